/* The emulator's passkey and email OTP routes, driven by the real @authsignal/browser SDK
   (tests/e2e/test_emulator_methods.py). Each step answers what the SDK returned; an error it
   threw (a WebAuthn one, say) comes back as {thrown: "Name: message"}. */
(function () {
  let client = null;

  async function step(call) {
    try {
      return await call();
    } catch (error) {
      return { thrown: `${error.name}: ${error.message}` };
    }
  }

  window.emulatorMethods = {
    start({ tenantId, baseUrl }) {
      client = new authsignal.Authsignal({ tenantId, baseUrl });
    },
    passkeySignUp: ({ token, username, displayName }) =>
      step(() => client.passkey.signUp({ token, username, displayName })),
    // {token} (MFA, step-up), or no token: {action}, {autofill: true} or {} (a sign-in).
    passkeySignIn: (params) => step(() => client.passkey.signIn(params)),
    emailEnroll: ({ token, email }) =>
      step(() => {
        client.setToken(token);
        return client.email.enroll({ email });
      }),
    emailChallenge: ({ token }) =>
      step(() => {
        client.setToken(token);
        return client.email.challenge();
      }),
    emailVerify: ({ code }) => step(() => client.email.verify({ code })),
  };
})();
