// A load generator process: real socket.io-client sockets driven by the harness over IPC. Runs
// apart from the server so the clients never share its event loop.
import { AssignmentDriver, type AssignSetupParams, type BurstResult } from "./assignment-driver.ts";
import { ChatDriver, type ChatAgentsParams, type ChatRunParams, type ChatRunResult, type ChatVisitorsParams } from "./chat-driver.ts";
import { serveRpc } from "./rpc.ts";
import { VisitorPool, type ConnectParams, type ConnectResult, type ReconnectStatus } from "./visitor-pool.ts";

type Empty = Record<string, never>;

export interface WorkerMethods {
  connectVisitors(p: ConnectParams): Promise<ConnectResult>;
  armReconnect(p: Empty): Promise<number>;
  reconnectStatus(p: Empty): Promise<ReconnectStatus>;
  chatAgents(p: ChatAgentsParams): Promise<number>;
  chatVisitors(p: ChatVisitorsParams): Promise<number>;
  chatCloseVisitors(p: Empty): Promise<number>;
  chatRun(p: ChatRunParams): Promise<ChatRunResult>;
  assignSetup(p: AssignSetupParams): Promise<{ agents: number; visitors: number }>;
  assignBurst(p: { quietMs: number; capMs: number }): Promise<BurstResult>;
  assignHanded(p: Empty): Promise<{ ids: string[]; duplicates: number; agentDrops: string[]; visitorDrops: string[] }>;
  /** disconnects every socket of this worker; returns how many */
  closeAll(p: Empty): Promise<number>;
}

const pool = new VisitorPool();
const chat = new ChatDriver();
const assignment = new AssignmentDriver();

serveRpc<WorkerMethods>({
  connectVisitors: (p) => pool.connect(p),
  armReconnect: () => pool.armReconnect(),
  reconnectStatus: () => pool.reconnectStatus(),
  chatAgents: (p) => chat.setupAgents(p),
  chatVisitors: (p) => chat.setupVisitors(p),
  chatCloseVisitors: () => chat.closeVisitors(),
  chatRun: (p) => chat.runLoad(p),
  assignSetup: (p) => assignment.setup(p),
  assignBurst: (p) => assignment.burst(p),
  assignHanded: () => assignment.handedOut(),
  closeAll: () => pool.closeAll() + chat.closeAll() + assignment.closeAll(),
});
