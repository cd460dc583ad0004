/* Signing in from a single-page app through a DRF login view (dj-rest-auth here), with the
   SMS step: the README's example, run as is by the end-to-end tests. */
async function signIn(username, password, askForCode) {
  const csrf = () => (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  const post = (url, body) =>
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    });

  let reply = await post("/api/auth/login/", { username, password });
  if (reply.status !== 401) return reply.json(); // signed in, or refused (403 with a "code")

  const { verification } = await reply.json(); // a code is needed
  const client = new authsignal.Authsignal({
    tenantId: verification.tenantId,
    baseUrl: verification.baseUrl,
  });
  client.setToken(verification.token);
  const sent = await client.sms.challenge();
  if (!sent.data || !sent.data.challengeId) throw new Error("the code was not sent");
  const code = await askForCode(verification.maskedPhone);
  const verified = await client.sms.verify({ code });
  if (!verified.data || !verified.data.isVerified) throw new Error("wrong code");

  reply = await post(verification.callbackUrl, { token: verified.data.token });
  return reply.json(); // {"code": "signed_in", "next": "..."}, or a refusal with its "code"
}
