/* django-authsignal-sms: the code page. Settings come from this script tag's data-* attributes;
   no inline script, so a strict Content-Security-Policy works. One global name: none. */
(function () {
  "use strict";

  var config = document.currentScript.dataset;
  var MESSAGES = {
    CODE_INVALID_OR_EXPIRED: "That code is not right, or it has expired. Try again, or send a new code.",
    MAX_ATTEMPTS_EXCEEDED: "Too many wrong codes. Please sign in again.",
    not_sent:
      "The code could not be sent: the sign-in service gave an answer this page does not understand. " +
      "(For the site's administrators: the client API URL must be the Authsignal base URL, /v1 included.)",
    sdk_missing: "The sign-in check could not load. Check your connection and reload the page.",
    expired: "This code page has expired. Please sign in again.",
    too_many: "Too many codes were sent. Please sign in again.",
    generic: "Something went wrong. Please try again.",
  };
  var channel = "sms";
  var client = null;
  var timer = null;

  function el(name) {
    return document.getElementById("authsignal-sms-" + name);
  }

  function say(text) {
    el("status").textContent = text || "";
  }

  function fail(text) {
    el("error").textContent = text || "";
  }

  function csrfToken() {
    var field = document.querySelector("#authsignal-sms-callback [name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function cooldown(seconds) {
    var button = el("resend");
    var left = Math.max(0, seconds | 0);
    clearInterval(timer);
    var tick = function () {
      button.disabled = left > 0;
      button.textContent = left > 0 ? "Send a new code (" + left + "s)" : "Send a new code";
      left -= 1;
      if (left < 0) clearInterval(timer);
    };
    tick();
    if (left >= 0) timer = setInterval(tick, 1000);
  }

  function postToServer(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrfToken(),
        Accept: "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: body || "",
    }).then(function (response) {
      return response.json();
    });
  }

  function sendWithSdk() {
    return channel === "whatsapp" ? client.whatsapp.challenge() : client.sms.challenge();
  }

  // The browser SDK treats any reply without an "error" key as success: a gateway's answer to a
  // wrong base URL (no /v1) "succeeds" with nothing sent. Only a challengeId means a code went.
  function wasSent(result) {
    return Boolean(result && result.data && result.data.challengeId);
  }

  function send() {
    fail("");
    say("Sending your code…");
    return sendWithSdk().then(function (result) {
      if (result && result.error) {
        say("");
        fail(result.errorDescription || result.error);
        cooldown(Number(config.resendCooldown));
        return;
      }
      if (!wasSent(result)) {
        say("");
        fail(MESSAGES.not_sent);
        if (window.console) window.console.error("authsignal-sms: challenge reply without challengeId", result);
        cooldown(Number(config.resendCooldown));
        return;
      }
      say(channel === "whatsapp" ? "We sent your code on WhatsApp." : "We sent your code by text message.");
      cooldown(Number(config.resendCooldown));
      el("code").focus();
    }, function () {
      say("");
      fail(MESSAGES.generic);
    });
  }

  function resend(newChannel) {
    fail("");
    postToServer(config.resendUrl).then(function (answer) {
      if (answer.allowed) {
        channel = newChannel || channel;
        return send();
      }
      if (answer.ended) {
        fail(answer.reason === "expired" ? MESSAGES.expired : MESSAGES.too_many);
        window.location.assign(answer.redirect);
      } else if (answer.reason === "cooldown") {
        cooldown(answer.wait);
      } else {
        fail(MESSAGES.expired);
      }
    }, function () {
      fail(MESSAGES.generic);
    });
  }

  function waitForTheCodeSent(wait) {
    say("Enter the code we sent you, or send a new one.");
    cooldown(wait);
  }

  // The automatic send is recorded by the server only now that the script runs: a page whose
  // script never ran has not used it up, and a reload or a second tab does not send again.
  function sendFirst() {
    postToServer(config.resendUrl, "first=1").then(function (answer) {
      if (answer.allowed) return send();
      if (answer.ended) {
        fail(answer.reason === "expired" ? MESSAGES.expired : MESSAGES.too_many);
        window.location.assign(answer.redirect);
      } else {
        waitForTheCodeSent(answer.wait);
      }
    }, function () {
      fail(MESSAGES.generic);
    });
  }

  function reportFailure() {
    postToServer(config.failedUrl).then(function (answer) {
      if (answer.ended) {
        el("verify").disabled = true;
        fail(answer.reason === "expired" ? MESSAGES.expired : MESSAGES.MAX_ATTEMPTS_EXCEEDED);
        window.location.assign(answer.redirect);
      }
    }, function () {});
  }

  function verify(event) {
    event.preventDefault();
    var code = el("code").value.replace(/\s+/g, "");
    if (!code) {
      fail("Enter the code from the message.");
      return;
    }
    fail("");
    say("Checking your code…");
    el("verify").disabled = true;
    var sdk = channel === "whatsapp" ? client.whatsapp : client.sms;
    sdk.verify({ code: code }).then(function (result) {
      el("verify").disabled = false;
      say("");
      if (result && result.error) {
        fail(result.errorDescription || result.error);
      } else if (result && result.data && result.data.isVerified && result.data.token) {
        say("Code accepted. Signing you in…");
        el("verify").disabled = true;
        var form = el("callback");
        form.elements.token.value = result.data.token;
        form.submit();
      } else {
        var reason = result && result.data && result.data.failureReason;
        fail(MESSAGES[reason] || MESSAGES.CODE_INVALID_OR_EXPIRED);
        el("code").select();
        reportFailure();
      }
    }, function () {
      el("verify").disabled = false;
      say("");
      fail(MESSAGES.generic);
    });
  }

  function start() {
    if (!window.authsignal || !window.authsignal.Authsignal) {
      fail(MESSAGES.sdk_missing);
      return;
    }
    client = new window.authsignal.Authsignal({
      tenantId: config.tenantId,
      baseUrl: config.baseUrl,
      onTokenExpired: function () {
        fail(MESSAGES.expired);
      },
    });
    client.setToken(config.token);
    el("code-form").addEventListener("submit", verify);
    el("resend").addEventListener("click", function () {
      resend();
    });
    var whatsapp = el("whatsapp");
    if (whatsapp) {
      whatsapp.addEventListener("click", function () {
        resend("whatsapp");
      });
    }
    if (config.autoSend === "true") {
      sendFirst();
    } else {
      waitForTheCodeSent(Number(config.resendWait));
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
