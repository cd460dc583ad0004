/* django-authsignal-sms: the new number's code page (changing the sign-in phone). Runs after
   code-page.js (window.authsignalSms: the helpers and settings both code pages share); its own
   setting, the new number, comes from this script tag's data-phone-number, and every word it
   shows from the page's <template id="authsignal-sms-messages">, so the words are translated (and
   can be overridden) with the template; no inline script, so a strict Content-Security-Policy
   works.
   One global name: none.

   The code goes to the new number through the browser SDK's sms.enroll (with the token the
   server made for this change alone); sms.verify gives the final token, which the page posts to
   the server. The server decides: it changes the number only once it has checked that token and
   Authsignal's record of the number verified. */
(function () {
  "use strict";

  var page = window.authsignalSms;
  var config = page.settings;
  var phoneNumber = document.currentScript.dataset.phoneNumber;
  var codeLength = Number(config.codeLength) || 6;
  var el = page.el;
  var text = page.text;
  var say = page.say;
  var fail = page.showError;
  var cooldown = page.countdown(showResend);
  var client = null;
  var checking = false;

  // "Send a new code", with the seconds left to wait.
  function showResend(left) {
    var button = el("resend");
    button.disabled = left > 0;
    button.textContent = left > 0 ? text("resend_in", { seconds: String(left) }) : text("resend");
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
    return client.sms.enroll({ phoneNumber: phoneNumber }).then(function (result) {
      cooldown.start(config.resendCooldown);
      if (result && result.data && result.data.userAuthenticatorId && !result.error) {
        say("sent");
        el("code").focus();
        return;
      }
      say("");
      fail("not_sent");
      page.report("enroll failed", result);
    }, function () {
      say("");
      fail("generic");
    });
  }

  // The server counts every send; the first one only once (a reload does not send again).
  function askToSend(first) {
    fail("");
    page.post(config.resendUrl, first ? { first: "1" } : {}).then(function (answer) {
      if (answer.allowed) return send();
      if (answer.ended || answer.retryUrl) {
        leave(answer);
      } else if (answer.reason === "cooldown" || answer.reason === "already_sent") {
        say("waiting");
        cooldown.start(answer.wait);
      } else {
        fail("generic");
      }
    }, function () {
      fail("generic");
    });
  }

  function reportFailure() {
    page.post(config.failedUrl).then(function (answer) {
      if (answer.ended || answer.retryUrl) {
        el("verify").disabled = true;
        leave(answer);
      }
    }, function () {});
  }

  function done() {
    checking = false;
    el("verify").disabled = false;
  }

  function verify(code) {
    if (checking) return;
    if (!code) {
      fail("empty");
      return;
    }
    fail("");
    say("checking");
    checking = true;
    el("verify").disabled = true;
    client.sms.verify({ code: code }).then(function (result) {
      var token = page.verifiedToken(result);
      say("");
      if (token) {
        say("accepted");
        page.postToken(token);
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
    client = page.sdkClient(function () {
      fail("expired");
    });
    if (!client) {
      fail("sdk_missing");
      return;
    }
    page.watchCodeForm(codeLength, verify);
    el("verify").disabled = false;
    el("resend").addEventListener("click", function () {
      askToSend(false);
    });
    if (config.autoSend === "true") {
      askToSend(true);
    } else {
      say("waiting");
      cooldown.start(config.resendWait);
    }
  }

  page.whenReady(start);
})();
