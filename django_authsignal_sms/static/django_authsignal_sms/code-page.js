/* django-authsignal-sms: what the two code pages' scripts share (the sign-in code page's
   challenge.js, the new number's security.js). Each page loads it before its own script (`defer`
   keeps the order). Its script tag's data-* attributes hold the settings both pages have; every
   word comes from the page's <template id="authsignal-sms-messages">, and this script has no word
   of its own. No inline script, so a strict Content-Security-Policy works.
   One global name: window.authsignalSms. */
(function () {
  "use strict";

  var settings = document.currentScript.dataset;

  function el(name) {
    return document.getElementById("authsignal-sms-" + name);
  }

  // A message of the page's template, by key, with its {placeholders} filled in.
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

  function showError(key) {
    el("error").textContent = key ? text(key) : "";
  }

  function report(what, detail) {
    if (window.console) window.console.error("authsignal-sms: " + what, detail);
  }

  // The page's own endpoints: CSRF-checked, answering JSON.

  function csrfToken() {
    var field = document.querySelector("#authsignal-sms-callback [name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function post(url, fields) {
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

  // The wait before a new code may be sent: onTick(seconds left) now, then as they go by, last
  // with 0. Counted against the clock, so a tab the browser slowed down still ends on time.
  function countdown(onTick) {
    var until = 0;
    var timer = null;

    function left() {
      return Math.max(0, Math.ceil((until - Date.now()) / 1000));
    }

    function tick() {
      var seconds = left();
      if (seconds === 0) clearInterval(timer);
      onTick(seconds);
    }

    function start(seconds) {
      until = Date.now() + Math.max(0, Number(seconds) || 0) * 1000;
      clearInterval(timer);
      tick();
      if (left() > 0) timer = setInterval(tick, 250);
    }

    return { start: start, left: left };
  }

  // The code field. Only digits count (full-width ones too: a Japanese keyboard), so a code
  // pasted with spaces or dashes works; check(code) runs once all its digits are in, or on submit.
  // The form itself is never submitted: the code never goes to the server, nor in a URL.

  function digitsOf(value, length) {
    return value
      .replace(/[\uFF10-\uFF19]/g, function (digit) {
        return String.fromCharCode(digit.charCodeAt(0) - 0xfee0);
      })
      .replace(/\D/g, "")
      .slice(0, length);
  }

  function watchCodeForm(length, check) {
    var field = el("code");
    el("code-form").addEventListener("submit", function (event) {
      event.preventDefault();
      check(digitsOf(field.value, length));
    });
    field.addEventListener("input", function () {
      var digits = digitsOf(field.value, length);
      if (field.value !== digits) field.value = digits;
      if (digits.length === length) check(digits);
    });
  }

  // The browser SDK

  // The SDK's client for this page's token, or null when the SDK did not load.
  function sdkClient(onTokenExpired) {
    if (!window.authsignal || !window.authsignal.Authsignal) return null;
    var client = new window.authsignal.Authsignal({
      tenantId: settings.tenantId,
      baseUrl: settings.baseUrl,
      onTokenExpired: onTokenExpired,
    });
    client.setToken(settings.token);
    return client;
  }

  // The token of a verify that succeeded, or "".
  function verifiedToken(result) {
    var data = result && result.data;
    return data && data.isVerified && data.token ? data.token : "";
  }

  // The token goes to the server, which decides: nothing is done until it has checked it.
  function postToken(token) {
    var form = el("callback");
    form.elements.token.value = token;
    form.submit();
  }

  // Runs the page's script once the page is there; the mark it sets hides the notice that the
  // page is taking a long time to start.
  function whenReady(start) {
    function begin() {
      document.documentElement.classList.add("authsignal-sms-started");
      start();
    }
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", begin);
    } else {
      begin();
    }
  }

  window.authsignalSms = {
    settings: settings,
    el: el,
    text: text,
    say: say,
    showError: showError,
    report: report,
    post: post,
    countdown: countdown,
    watchCodeForm: watchCodeForm,
    sdkClient: sdkClient,
    verifiedToken: verifiedToken,
    postToken: postToken,
    whenReady: whenReady,
  };
})();
