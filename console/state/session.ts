// Who is signed in. The session itself is an httpOnly cookie; this only mirrors /auth/me.
import type { AgentDto } from "../../server/protocol.ts";
import { ApiError, get, post } from "../lib/http.ts";
import { createStore } from "../lib/store.ts";

export const session = createStore<{ me: AgentDto | null; checked: boolean }>({ me: null, checked: false });

export async function loadMe(): Promise<void> {
  try {
    session.set({ me: await get<AgentDto>("/auth/me"), checked: true });
  } catch (err) {
    if (err instanceof ApiError && err.code === "unauthorized") session.set({ me: null, checked: true });
    else throw err;
  }
}

export async function signIn(email: string, password: string): Promise<void> {
  session.set({ me: await post<AgentDto>("/auth/login", { email, password }), checked: true });
}

export async function signOut(): Promise<void> {
  try {
    await post("/auth/logout");
  } finally {
    session.set({ me: null, checked: true });
  }
}

/** The server refused our session (expired, revoked, deactivated): back to the sign-in page. */
export function sessionLost(): void {
  session.set({ me: null, checked: true });
}
