/* django-authsignal-sms: the offer to add a passkey after a sign-in with a code. The server
   gives the token that can add one (once, right after the challenge); the browser SDK's
   passkey.signUp makes the passkey with it. Its settings come from this script tag's data-*
   attributes, every word from the page's <template id="authsignal-sms-messages">; no inline
   script, so a strict Content-Security-Policy works. One global name: none. */
(function () {
  "use strict";

  var config = document.currentScript.dataset;

  function el(name) {
    return document.getElementById("authsignal-sms-" + name);
  }

  function text(key) {
    var found = el("messages").content.querySelector('[data-message="' + key + '"]');
    return found ? found.textContent.trim() : key;
  }

  function say(key) {
    el("status").textContent = key ? text(key) : "";
  }

  function failed(detail) {
    if (window.console) window.console.error("authsignal-sms: passkey not added", detail);
    say("");
    el("error").textContent = text("failed");
  }

  function askForToken(form) {
    return fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": form.elements.csrfmiddlewaretoken.value,
        Accept: "application/json",
      },
    }).then(function (response) {
      return response.json();
    });
  }

  function add(event) {
    event.preventDefault();
    el("add-passkey").disabled = true;
    say("adding");
    askForToken(event.target)
      .then(function (answer) {
        if (!answer.token) throw answer;
        var client = new window.authsignal.Authsignal({
          tenantId: config.tenantId,
          baseUrl: config.baseUrl,
        });
        return client.passkey.signUp({
          token: answer.token,
          username: answer.username,
          displayName: answer.displayName,
        });
      })
      .then(function (result) {
        if (!result || result.error || !result.data) throw result;
        say("added");
        window.location.assign(config.next);
      })
      .catch(failed);
  }

  function start() {
    if (!window.authsignal || !window.PublicKeyCredential) return; // "Not now" is all there is
    el("passkey-offer").addEventListener("submit", add);
    el("add-passkey").disabled = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
