/* django-authsignal-sms: the code page. Runs after code-page.js (window.authsignalSms: the
   helpers and settings both code pages share); its own setting, the method it opens with (sms,
   whatsapp, email or passkey), comes from this script tag's data-channel; the other methods
   offered are the page's [data-switch-to] buttons ("try another way"). Every word it shows
   comes from the page's
   <template id="authsignal-sms-messages">, so the template translates them; no inline script, so
   a strict Content-Security-Policy works.
   One global name: none. */
(function () {
  "use strict";

  var page = window.authsignalSms;
  var config = page.settings;
  var codeLength = Number(config.codeLength) || 6;
  var el = page.el;
  var text = page.text;
  var say = page.say;
  var report = page.report;
  var METHODS = ["sms", "whatsapp", "email", "passkey"];
  var opening = document.currentScript.dataset.channel;
  var state = {
    channel: METHODS.indexOf(opening) >= 0 ? opening : "sms", // the method in use
    firstSend: config.autoSend === "true", // no code was sent yet for this sign-in
    busy: false, // a send is under way
    checking: false, // a code is being checked
    queued: null, // the channel to send on once the wait is over
  };
  var cooldown = page.countdown(tick); // the wait before "Send a new code" may be used again
  var client = null;

  // Nothing new to say: only that a switch waits for the countdown, if one does.
  function sayNothingNew() {
    say(state.queued ? "queued_" + state.queued : "");
  }

  function fail(key) {
    page.showError(key);
    el("retry").hidden = true;
  }

  // The method: what the page says, which others it offers, where the SDK sends and verifies.

  function showChannel(channel) {
    var passkey = channel === "passkey";
    state.channel = channel;
    document.querySelectorAll("#authsignal-sms-intro [data-shown-for]").forEach(function (part) {
      part.hidden = part.dataset.shownFor !== channel;
    });
    document.querySelectorAll("[data-switch-to]").forEach(function (button) {
      button.hidden = button.dataset.switchTo === channel;
    });
    el("code-part").hidden = passkey;
    el("resend").hidden = passkey;
    if (el("passkey-part")) el("passkey-part").hidden = !passkey;
  }

  function sdkFor(channel) {
    if (channel === "email") return client.email;
    return channel === "whatsapp" ? client.whatsapp : client.sms;
  }

  // The wait between two codes, with its countdown.

  function clock(seconds) {
    var rest = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function tick(left) {
    el("wait").hidden = left === 0;
    el("wait").textContent = left ? text("wait", { time: clock(left) }) : "";
    updateButtons();
    if (left === 0 && state.queued) {
      var channel = state.queued;
      state.queued = null;
      ask(channel);
    }
  }

  function updateButtons() {
    var idle = !state.busy;
    el("resend").disabled = !idle || cooldown.left() > 0;
    document.querySelectorAll("[data-switch-to]").forEach(function (button) {
      // A passkey needs no send, so a code waiting for the countdown does not hold it back.
      var waits = state.queued !== null && button.dataset.switchTo !== "passkey";
      button.disabled = !idle || waits;
    });
  }

  function setBusy(busy) {
    state.busy = busy;
    updateButtons();
  }

  // Sending: the server says whether a code may go now (and records the channel), then the SDK
  // asks Authsignal to send it.

  function ask(channel, first) {
    fail("");
    if (channel === "passkey") {
      state.queued = null;
      showChannel("passkey");
      say("");
      updateButtons();
      return;
    }
    first = first || state.firstSend;
    if (!first && cooldown.left() > 0) {
      queue(channel);
      return;
    }
    setBusy(true);
    var fields = { channel: channel };
    if (first) fields.first = "1";
    page.post(config.resendUrl, fields).then(
      function (answer) {
        setBusy(false);
        answered(channel, answer);
      },
      function () {
        setBusy(false);
        fail("generic");
      }
    );
  }

  function answered(channel, answer) {
    if (answer.allowed || answer.reason === "already_sent") state.firstSend = false;
    if (answer.allowed) {
      send(channel);
    } else if (answer.ended) {
      end(answer, "too_many_sent");
    } else if (answer.reason === "already_sent") {
      waitForTheCodeSent(answer.wait);
    } else if (answer.reason === "cooldown") {
      if (channel !== state.channel) state.queued = channel;
      cooldown.start(answer.wait);
      sayNothingNew();
    } else if (answer.reason === "unknown_channel" || /_not_offered$/.test(answer.reason || "")) {
      fail("generic");
    } else {
      fail("expired"); // nothing waits for a code any more (another tab finished, or expired)
      if (answer.retryUrl) window.location.assign(answer.retryUrl);
    }
  }

  function queue(channel) {
    if (channel === state.channel) return;
    state.queued = channel;
    updateButtons();
    sayNothingNew();
  }

  // The pending sign-in is over (expired, or a limit reached): say why, then go back.
  function end(answer, tooMany) {
    el("verify").disabled = true;
    fail(answer.reason === "too_many" ? tooMany : "expired");
    window.location.assign(answer.redirect);
  }

  // The browser SDK treats any reply without an "error" key as success: a gateway's answer to a
  // wrong base URL (no /v1) "succeeds" with nothing sent. Only a challengeId means a code went.
  function wasSent(result) {
    return Boolean(result && result.data && result.data.challengeId);
  }

  function send(channel) {
    showChannel(channel);
    say("sending");
    setBusy(true);
    sdkFor(channel)
      .challenge()
      .then(
        function (result) {
          setBusy(false);
          sayNothingNew();
          if (result && result.error) {
            fail("send_failed");
            report("challenge error", result);
          } else if (!wasSent(result)) {
            fail("not_sent");
            report("challenge reply without challengeId", result);
          } else {
            say(channel === "email" ? "sent_email" : channel === "whatsapp" ? "sent_whatsapp" : "sent_sms");
            el("code").focus();
          }
          cooldown.start(config.resendCooldown);
        },
        function (error) {
          setBusy(false);
          sayNothingNew();
          fail("send_failed");
          report("challenge failed", error);
          cooldown.start(config.resendCooldown);
        }
      );
  }

  function waitForTheCodeSent(seconds) {
    say("waiting");
    cooldown.start(seconds);
  }

  // Checking the code

  function verify(code) {
    if (state.checking) return;
    if (!code) {
      fail("empty");
      el("code").focus();
      return;
    }
    fail("");
    say("checking");
    el("verify").disabled = true;
    state.checking = true;
    sdkFor(state.channel)
      .verify({ code: code })
      .then(checked, function (error) {
        report("verify failed", error);
        retryable("verify_failed");
      });
  }

  function checked(result) {
    var token = page.verifiedToken(result);
    if (result && result.error) {
      report("verify error", result);
      retryable("verify_failed");
    } else if (token) {
      say("accepted");
      page.postToken(token);
    } else {
      var reason = result && result.data && result.data.failureReason;
      retryable(reason === "MAX_ATTEMPTS_EXCEEDED" ? "too_many_wrong" : "wrong");
      el("code").select();
      reportFailure();
    }
  }

  function retryable(key) {
    state.checking = false;
    el("verify").disabled = false;
    sayNothingNew();
    fail(key);
  }

  function reportFailure() {
    page.post(config.failedUrl).then(
      function (answer) {
        if (answer.ended) end(answer, "too_many_wrong");
      },
      function () {}
    );
  }

  // A passkey: the browser asks the user's authenticator; Authsignal checks what it answers.

  function usePasskey() {
    if (state.checking) return;
    fail("");
    say("passkey_waiting");
    state.checking = true;
    el("passkey-start").disabled = true;
    client.passkey.signIn({ token: config.token }).then(
      function (result) {
        var token = page.verifiedToken(result);
        if (token) {
          say("passkey_accepted");
          page.postToken(token);
          return;
        }
        report("passkey sign-in not verified", result);
        passkeyFailed();
      },
      function (error) {
        report("passkey sign-in failed", error);
        passkeyFailed();
      }
    );
  }

  function passkeyFailed() {
    state.checking = false;
    el("passkey-start").disabled = false;
    say("");
    fail("passkey_failed");
  }

  // Starting

  function sdkMissing() {
    fail("sdk_missing");
    var retry = el("retry");
    retry.hidden = false;
    retry.addEventListener("click", function () {
      window.location.reload();
    });
  }

  function start() {
    client = page.sdkClient(function () {
      fail("expired");
    });
    if (!client) {
      sdkMissing();
      return;
    }
    page.watchCodeForm(codeLength, verify);
    el("verify").disabled = false;
    el("resend").addEventListener("click", function () {
      ask(state.channel);
    });
    document.querySelectorAll("[data-switch-to]").forEach(function (button) {
      button.addEventListener("click", function () {
        ask(button.dataset.switchTo);
      });
    });
    if (el("passkey-start")) {
      el("passkey-start").disabled = false;
      el("passkey-start").addEventListener("click", usePasskey);
    }
    showChannel(state.channel);
    if (state.channel === "passkey") {
      updateButtons();
    } else if (config.autoSend === "true") {
      ask(state.channel, true);
    } else {
      waitForTheCodeSent(config.resendWait);
    }
  }

  page.whenReady(start);
})();
