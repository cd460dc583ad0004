// The emulator outbox panel (development only): reloads its list every two seconds, and
// applies the user filter at once. The filter lives in the panel's URL (?user=...), so each
// refresh, and a reload of the panel, keeps it.
(function () {
  "use strict";

  var REFRESH_MS = 2000;
  var select = document.getElementById("outbox-user");

  function replaceIfChanged(fresh, id) {
    var current = document.getElementById(id);
    var next = fresh.getElementById(id);
    if (current && next && current.innerHTML !== next.innerHTML) {
      current.replaceWith(next);
    }
  }

  function update(fresh) {
    replaceIfChanged(fresh, "outbox-messages");
    var status = document.getElementById("outbox-status");
    var nextStatus = fresh.getElementById("outbox-status");
    // The status is a live region: changing its text (not replacing it) gets it announced.
    if (status && nextStatus && status.textContent !== nextStatus.textContent) {
      status.textContent = nextStatus.textContent;
    }
    var nextSelect = fresh.getElementById("outbox-user");
    // Not while someone is choosing: new users' options wait until the select is left.
    if (select && nextSelect && document.activeElement !== select &&
        select.innerHTML !== nextSelect.innerHTML) {
      select.innerHTML = nextSelect.innerHTML;
    }
  }

  function refresh() {
    if (document.hidden) {
      return Promise.resolve();
    }
    return fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html) {
          update(new DOMParser().parseFromString(html, "text/html"));
        }
      })
      .catch(function () {
        // The site is restarting, or gone: the next refresh tries again.
      });
  }

  if (select) {
    document.getElementById("outbox-show").hidden = true;
    select.addEventListener("change", function () {
      var url = new URL(window.location.href);
      url.searchParams.set("user", select.value);
      window.history.replaceState(null, "", url);
      refresh();
    });
  }
  window.setInterval(refresh, REFRESH_MS);
})();
