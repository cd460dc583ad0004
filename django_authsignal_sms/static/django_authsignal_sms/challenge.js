/* django-authsignal-sms: the code page. Settings come from this script tag's data-* attributes,
   and every word it shows from the page's <template id="authsignal-sms-messages">, so the
   template translates them; no inline script, so a strict Content-Security-Policy works.
   One global name: none. */
(function () {
  "use strict";

  var config = document.currentScript.dataset;
  var codeLength = Number(config.codeLength) || 6;
  var state = {
    channel: config.channel === "whatsapp" ? "whatsapp" : "sms",
    busy: false, // a send is under way
    checking: false, // a code is being checked
    waitUntil: 0, // when "Send a new code" may be used again (ms)
    queued: null, // the channel to send on once the wait is over
    timer: null,
  };
  var client = null;

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

  function say(key, values) {
    el("status").textContent = key ? text(key, values) : "";
  }

  // Nothing new to say: only that a switch waits for the countdown, if one does.
  function sayNothingNew() {
    say(state.queued ? "queued_" + state.queued : "");
  }

  function fail(key) {
    el("error").textContent = key ? text(key) : "";
    el("retry").hidden = true;
  }

  function csrfToken() {
    var field = document.querySelector("#authsignal-sms-callback [name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function postToServer(url, fields) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrfToken(),
        Accept: "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(fields || {}).toString(),
    }).then(function (response) {
      return response.json();
    });
  }

  // The channel: what the page says, which switch it offers, where the SDK sends and verifies.

  function showChannel(channel) {
    state.channel = channel;
    document.querySelectorAll("#authsignal-sms-intro [data-shown-for]").forEach(function (part) {
      part.hidden = part.dataset.shownFor !== channel;
    });
    document.querySelectorAll("[data-switch-to]").forEach(function (button) {
      button.hidden = button.dataset.switchTo === channel;
    });
  }

  function sdkFor(channel) {
    return channel === "whatsapp" ? client.whatsapp : client.sms;
  }

  // The wait between two codes, with its countdown.

  function secondsLeft() {
    return Math.max(0, Math.ceil((state.waitUntil - Date.now()) / 1000));
  }

  function clock(seconds) {
    var rest = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function wait(seconds) {
    state.waitUntil = Date.now() + Math.max(0, Number(seconds) || 0) * 1000;
    clearInterval(state.timer);
    tick();
    if (secondsLeft() > 0) state.timer = setInterval(tick, 250);
  }

  function tick() {
    var left = secondsLeft();
    el("wait").hidden = left === 0;
    el("wait").textContent = left ? text("wait", { time: clock(left) }) : "";
    updateButtons();
    if (left > 0) return;
    clearInterval(state.timer);
    if (state.queued) {
      var channel = state.queued;
      state.queued = null;
      ask(channel);
    }
  }

  function updateButtons() {
    var idle = !state.busy;
    el("resend").disabled = !idle || secondsLeft() > 0;
    document.querySelectorAll("[data-switch-to]").forEach(function (button) {
      button.disabled = !idle || state.queued !== null;
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
    if (!first && secondsLeft() > 0) {
      queue(channel);
      return;
    }
    setBusy(true);
    var fields = { channel: channel };
    if (first) fields.first = "1";
    postToServer(config.resendUrl, fields).then(
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
    if (answer.allowed) {
      send(channel);
    } else if (answer.ended) {
      end(answer, "too_many_sent");
    } else if (answer.reason === "already_sent") {
      waitForTheCodeSent(answer.wait);
    } else if (answer.reason === "cooldown") {
      if (channel !== state.channel) state.queued = channel;
      wait(answer.wait);
      sayNothingNew();
    } else if (answer.reason === "unknown_channel" || answer.reason === "whatsapp_not_offered") {
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
            say(channel === "whatsapp" ? "sent_whatsapp" : "sent_sms");
            el("code").focus();
          }
          wait(config.resendCooldown);
        },
        function (error) {
          setBusy(false);
          sayNothingNew();
          fail("send_failed");
          report("challenge failed", error);
          wait(config.resendCooldown);
        }
      );
  }

  function report(what, detail) {
    if (window.console) window.console.error("authsignal-sms: " + what, detail);
  }

  function waitForTheCodeSent(seconds) {
    say("waiting");
    wait(seconds);
  }

  // Checking the code

  function digitsOf(value) {
    // Full-width digits (a Japanese keyboard) count; spaces, dashes and the rest do not.
    return value
      .replace(/[\uFF10-\uFF19]/g, function (digit) {
        return String.fromCharCode(digit.charCodeAt(0) - 0xfee0);
      })
      .replace(/\D/g, "")
      .slice(0, codeLength);
  }

  function typed() {
    var field = el("code");
    var digits = digitsOf(field.value);
    if (field.value !== digits) field.value = digits;
    if (digits.length === codeLength && !state.checking) verify();
  }

  function verify(event) {
    if (event) event.preventDefault();
    if (state.checking) return;
    var code = digitsOf(el("code").value);
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
    if (result && result.error) {
      report("verify error", result);
      retryable("verify_failed");
    } else if (result && result.data && result.data.isVerified && result.data.token) {
      say("accepted");
      var form = el("callback");
      form.elements.token.value = result.data.token;
      form.submit();
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
    postToServer(config.failedUrl).then(
      function (answer) {
        if (answer.ended) end(answer, "too_many_wrong");
      },
      function () {}
    );
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
    document.documentElement.classList.add("authsignal-sms-started");
    if (!window.authsignal || !window.authsignal.Authsignal) {
      sdkMissing();
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
    el("verify").disabled = false;
    el("resend").addEventListener("click", function () {
      ask(state.channel);
    });
    document.querySelectorAll("[data-switch-to]").forEach(function (button) {
      button.addEventListener("click", function () {
        ask(button.dataset.switchTo);
      });
    });
    showChannel(state.channel);
    if (config.autoSend === "true") {
      ask(state.channel, true);
    } else {
      waitForTheCodeSent(config.resendWait);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
