/* django-authsignal-sms: the new number's code page (changing the sign-in phone).
   Settings come from this script tag's data-* attributes, and every word it shows from the
   page's <template id="authsignal-sms-messages">, so the words are translated (and can be
   overridden) with the template; no inline script, so a strict Content-Security-Policy works.
   One global name: none.

   The code goes to the new number through the browser SDK's sms.enroll (with the token the
   server made for this change alone); sms.verify gives the final token, which the page posts to
   the server. The server decides: it changes the number only once it has checked that token and
   Authsignal's record of the number verified. */
(function () {
  "use strict";

  var config = document.currentScript.dataset;
  var codeLength = Number(config.codeLength) || 6;
  var client = null;
  var timer = null;
  var checking = false;

  function el(name) {
    return document.getElementById("authsignal-sms-" + name);
  }

  function text(key, values) {
    var messages = el("messages");
    var found = messages && messages.content.querySelector('[data-message="' + key + '"]');
    var words = found ? found.textContent.trim() : key;
    Object.keys(values || {}).forEach(function (name) {
      words = words.split("{" + name + "}").join(values[name]);
    });
    return words;
  }

  function say(key) {
    el("status").textContent = key ? text(key) : "";
  }

  function fail(key) {
    el("error").textContent = key ? text(key) : "";
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
      button.textContent = left > 0 ? text("resend_in", { seconds: String(left) }) : text("resend");
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

  function leave(answer) {
    fail(answer.reason === "expired" ? "expired" : "too_many");
    window.location.assign(answer.redirect || answer.retryUrl);
  }

  // sms.enroll texts a code to the new number. Like sms.challenge, the SDK takes any reply
  // without an "error" key as a success: only a userAuthenticatorId means a code went.
  function send() {
    fail("");
    say("sending");
    return client.sms.enroll({ phoneNumber: config.phoneNumber }).then(function (result) {
      cooldown(Number(config.resendCooldown));
      if (result && result.data && result.data.userAuthenticatorId && !result.error) {
        say("sent");
        el("code").focus();
        return;
      }
      say("");
      fail("not_sent");
      if (window.console) window.console.error("authsignal-sms: enroll failed", result);
    }, function () {
      say("");
      fail("generic");
    });
  }

  // The server counts every send; the first one only once (a reload does not send again).
  function askToSend(first) {
    fail("");
    postToServer(config.resendUrl, first ? "first=1" : "").then(function (answer) {
      if (answer.allowed) return send();
      if (answer.ended || answer.retryUrl) {
        leave(answer);
      } else if (answer.reason === "cooldown" || answer.reason === "already_sent") {
        say("waiting");
        cooldown(answer.wait);
      } else {
        fail("generic");
      }
    }, function () {
      fail("generic");
    });
  }

  function reportFailure() {
    postToServer(config.failedUrl).then(function (answer) {
      if (answer.ended || answer.retryUrl) {
        el("verify").disabled = true;
        leave(answer);
      }
    }, function () {});
  }

  function digitsOf(value) {
    // Full-width digits (a Japanese keyboard) count; spaces, dashes and the rest do not.
    return value
      .replace(/[\uFF10-\uFF19]/g, function (digit) {
        return String.fromCharCode(digit.charCodeAt(0) - 0xfee0);
      })
      .replace(/\D/g, "")
      .slice(0, codeLength);
  }

  // As on the sign-in code page: the code is checked once all its digits are in.
  function typed() {
    var field = el("code");
    var digits = digitsOf(field.value);
    if (field.value !== digits) field.value = digits;
    if (digits.length === codeLength) verify();
  }

  function done() {
    checking = false;
    el("verify").disabled = false;
  }

  function verify(event) {
    if (event) event.preventDefault();
    if (checking) return;
    var code = digitsOf(el("code").value);
    if (!code) {
      fail("empty");
      return;
    }
    fail("");
    say("checking");
    checking = true;
    el("verify").disabled = true;
    client.sms.verify({ code: code }).then(function (result) {
      say("");
      if (result && result.data && result.data.isVerified && result.data.token) {
        say("accepted");
        var form = el("callback");
        form.elements.token.value = result.data.token;
        form.submit();
        return;
      }
      done();
      if (!result || result.error) {
        fail(result && result.errorCode === "expired_token" ? "expired" : "generic");
        return;
      }
      fail(result.data && result.data.failureReason === "MAX_ATTEMPTS_EXCEEDED" ? "too_many" : "wrong");
      el("code").select();
      reportFailure();
    }, function () {
      done();
      say("");
      fail("generic");
    });
  }

  function start() {
    document.documentElement.classList.add("authsignal-sms-started");
    if (!window.authsignal || !window.authsignal.Authsignal) {
      fail("sdk_missing");
      return;
    }
    client = new window.authsignal.Authsignal({
      tenantId: config.tenantId,
      baseUrl: config.baseUrl,
      onTokenExpired: function () {
        fail("expired");
      },
    });
    client.setToken(config.token);
    el("code-form").addEventListener("submit", verify);
    el("code").addEventListener("input", typed);
    el("resend").addEventListener("click", function () {
      askToSend(false);
    });
    if (config.autoSend === "true") {
      askToSend(true);
    } else {
      say("waiting");
      cooldown(Number(config.resendWait));
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
