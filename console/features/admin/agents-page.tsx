// Agents: create (password shown once when generated), role, capacity, deactivate/reactivate.
import { useEffect, useState } from "preact/hooks";
import type { AdminAgentDto, AgentRole, CreatedAgentDto } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { TableHead } from "../shared/table-head.tsx";
import { errorText } from "../../lib/errors.ts";
import { get, patch, post } from "../../lib/http.ts";
import { useStore } from "../../lib/store.ts";
import { live } from "../../state/live-store.ts";

const BLANK = { email: "", name: "", role: "agent" as AgentRole, password: "" };

export function AgentsPage() {
  const me = useStore(live, (s) => s.me);
  const [agents, setAgents] = useState<AdminAgentDto[]>([]);
  const [form, setForm] = useState(BLANK);
  const [created, setCreated] = useState<CreatedAgentDto | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = () => get<AdminAgentDto[]>("/admin/agents").then(setAgents, (err: unknown) => setError(errorText(err)));
  useEffect(() => void reload(), []);

  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const { password, ...rest } = form;
      const res = await post<CreatedAgentDto>("/admin/agents", password ? form : rest);
      setCreated(res);
      setForm(BLANK);
      await reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const change = (a: AdminAgentDto, body: Record<string, unknown>) => {
    setError(null);
    patch<AdminAgentDto>(`/admin/agents/${a.id}`, body).then(
      (updated) => setAgents((list) => list.map((x) => (x.id === updated.id ? updated : x))),
      (err: unknown) => setError(errorText(err)),
    );
  };
  const field = (key: keyof typeof BLANK) => (e: Event) => setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement).value });

  return (
    <div class="admin-page">
      <h1>{t("agents.title")}</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <table>
        <TableHead caption={t("agents.title")} columns={[t("agents.name"), t("agents.email"), t("agents.role"), t("agents.capacity"), t("agents.presence"), t("common.actions")]} />
        <tbody>
          {agents.map((a) => (
            <tr key={a.id} class={a.active ? undefined : "inactive"} data-agent={a.email}>
              <td>{a.name}</td>
              <td>{a.email}</td>
              <td>
                <select aria-label={t("agents.roleOf", { name: a.name })} value={a.role} disabled={a.id === me?.id} onChange={(e) => change(a, { role: e.currentTarget.value })}>
                  <option value="agent">{t("role.agent")}</option>
                  <option value="admin">{t("role.admin")}</option>
                </select>
              </td>
              <td>
                <input
                  type="number"
                  min={1}
                  max={100}
                  aria-label={t("agents.capacityOf", { name: a.name })}
                  placeholder={t("agents.capacityDefault")}
                  value={a.maxChats ?? ""}
                  onChange={(e) => change(a, { maxChats: e.currentTarget.value === "" ? null : Number(e.currentTarget.value) })}
                />
              </td>
              <td>{a.active ? t(`presence.${a.status}`) : t("agents.deactivated")}</td>
              <td>
                {a.id !== me?.id &&
                  (a.active ? (
                    <button type="button" onClick={() => confirm(t("agents.deactivateConfirm", { name: a.name })) && change(a, { active: false })}>
                      {t("agents.deactivate")}
                    </button>
                  ) : (
                    <button type="button" onClick={() => change(a, { active: true })}>
                      {t("agents.reactivate")}
                    </button>
                  ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card form-narrow" onSubmit={create}>
        <h2>{t("agents.new")}</h2>
        <label>
          {t("agents.name")}
          <input name="agentName" required maxLength={120} value={form.name} onInput={field("name")} />
        </label>
        <label>
          {t("agents.email")}
          <input type="email" name="agentEmail" required value={form.email} onInput={field("email")} />
        </label>
        <label>
          {t("agents.role")}
          <select name="agentRole" value={form.role} onChange={field("role")}>
            <option value="agent">{t("role.agent")}</option>
            <option value="admin">{t("role.admin")}</option>
          </select>
        </label>
        <label>
          {t("agents.password")}
          <input type="password" name="agentPassword" autoComplete="new-password" minLength={8} value={form.password} onInput={field("password")} />
          <span class="muted">{t("agents.passwordHelp")}</span>
        </label>
        <button type="submit" class="primary">
          {t("agents.create")}
        </button>
      </form>
      {created && (
        <div class="card once" role="status">
          <p>{t("agents.created", { email: created.agent.email })}</p>
          {created.password && (
            <p>
              {t("agents.generatedPassword")} <code class="secret" data-secret="password">{created.password}</code>
            </p>
          )}
          <button type="button" onClick={() => setCreated(null)}>
            {t("common.dismiss")}
          </button>
        </div>
      )}
    </div>
  );
}
