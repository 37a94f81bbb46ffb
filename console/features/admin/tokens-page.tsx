// API tokens: create (the secret is shown once), list, revoke.
import { useEffect, useState } from "preact/hooks";
import type { ApiTokenDto, CreatedApiTokenDto } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { TableHead } from "../shared/table-head.tsx";
import { errorText } from "../../lib/errors.ts";
import { dateTimeOf } from "../../lib/format.ts";
import { del, get, post } from "../../lib/http.ts";
import { splitLines } from "./sites-page.tsx";

export function TokensPage() {
  const [tokens, setTokens] = useState<ApiTokenDto[]>([]);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState("transcripts:read");
  const [created, setCreated] = useState<CreatedApiTokenDto | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = () => get<ApiTokenDto[]>("/admin/tokens").then(setTokens, (err: unknown) => setError(errorText(err)));
  useEffect(() => void reload(), []);

  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      setCreated(await post<CreatedApiTokenDto>("/admin/tokens", { name, scopes: splitLines(scopes) }));
      setName("");
      await reload();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <div class="admin-page">
      <h1>{t("tokens.title")}</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <form class="card form-narrow" onSubmit={create}>
        <h2>{t("tokens.new")}</h2>
        <label>
          {t("tokens.name")}
          <input name="tokenName" required maxLength={120} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          {t("tokens.scopes")}
          <input name="scopes" required value={scopes} onInput={(e) => setScopes(e.currentTarget.value)} />
          <span class="muted">{t("tokens.scopesHelp")}</span>
        </label>
        <button type="submit" class="primary">
          {t("tokens.create")}
        </button>
      </form>
      {created && (
        <div class="card once" role="status">
          <p>{t("tokens.createdOnce", { name: created.name })}</p>
          <code class="secret" data-secret="token">{created.token}</code>
          <p>
            <button type="button" onClick={() => void navigator.clipboard?.writeText(created.token)}>
              {t("sites.copy")}
            </button>{" "}
            <button type="button" onClick={() => setCreated(null)}>
              {t("common.dismiss")}
            </button>
          </p>
        </div>
      )}
      <table>
        <TableHead caption={t("tokens.title")} columns={[t("tokens.name"), t("tokens.scopes"), t("tokens.createdAt"), t("common.actions")]} />
        <tbody>
          {tokens.map((tok) => (
            <tr key={tok.id} class={tok.revokedAt ? "inactive" : undefined}>
              <td>{tok.name}</td>
              <td>{tok.scopes.join(", ")}</td>
              <td>{dateTimeOf(tok.createdAt)}</td>
              <td>
                {tok.revokedAt ? (
                  t("tokens.revokedAt", { date: dateTimeOf(tok.revokedAt) })
                ) : (
                  <button
                    type="button"
                    onClick={() => {
                      if (!confirm(t("tokens.revokeConfirm", { name: tok.name }))) return;
                      del(`/admin/tokens/${tok.id}`).then(reload, (err: unknown) => setError(errorText(err)));
                    }}
                  >
                    {t("tokens.revoke")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
