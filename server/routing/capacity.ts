// How many open conversations an agent may hold: agent setting > site default > global default.
export const GLOBAL_DEFAULT_CAPACITY = 3;

export function effectiveCapacity(agentMax: number | null, siteDefault: number | null, globalDefault = GLOBAL_DEFAULT_CAPACITY): number {
  return agentMax ?? siteDefault ?? globalDefault;
}
