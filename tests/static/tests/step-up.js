/* An action protected by step-up, called from a page script: the README's example, run as is by
   the end-to-end tests. `askForCode(purpose, maskedPhone)` resolves to the code the user typed. */
async function withStepUp(url, body, askForCode) {
  const csrf = () => (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  const post = (to, data) =>
    fetch(to, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(data),
    }).then((reply) => reply.json().then((answer) => ({ status: reply.status, answer })));

  const first = await post(url, body);
  if (first.answer.code !== "step_up_required") return first; // done, or refused
  const { stepUp } = first.answer;
  const client = new authsignal.Authsignal({ tenantId: stepUp.tenantId, baseUrl: stepUp.baseUrl });
  client.setToken(stepUp.token);
  const sent = await client.sms.challenge();
  if (!sent.data || !sent.data.challengeId) throw new Error("the code was not sent");
  const code = await askForCode(stepUp.purpose, stepUp.maskedPhone);
  const verified = await client.sms.verify({ code });
  if (!verified.data || !verified.data.isVerified) throw new Error("wrong code");
  const confirmed = await post(stepUp.callbackUrl, { token: verified.data.token });
  if (confirmed.answer.code !== "stepped_up") return confirmed; // refused: {code, detail}
  return post(url, body); // the same request again: it runs now
}
