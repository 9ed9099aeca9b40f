/*
 * Live updates for the staff pages (progressive enhancement: every page works
 * without this script; it only saves a reload).
 *
 * The page renders the live stream id it was built at (data-live-last-id) and
 * connects with it, so an update sent while the page loaded is not lost. The
 * browser resumes a dropped stream with Last-Event-ID; if the stream closes for
 * good, we reconnect from the last id seen. On each update the page fetches
 * itself (data-live-page) and swaps in every region marked data-live, except a
 * region the user is working in (focus inside, or a form showing errors): that
 * one is refreshed once they leave it. What changed is said once, by name, in
 * the page's role="status" summary (data-live-summary); the regions are not
 * aria-live, which would have a screen reader read a whole table again.
 */
(function () {
  "use strict";
  var body = document.body;
  var streamUrl = body.dataset.liveUrl;
  var pageUrl = body.dataset.livePage;
  var lastId = body.dataset.liveLastId;
  var status = document.querySelector("[data-live-status]");
  var summary = document.querySelector("[data-live-summary]");
  if (!streamUrl || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }

  var fetching = false;
  var again = false;
  var heldBack = false;
  var retryDelay = 1000;

  function say(text) {
    if (status) status.textContent = text;
  }

  function nameOf(region) {
    var heading = document.getElementById(region.getAttribute("aria-labelledby") || "");
    return heading ? heading.textContent.trim() : region.dataset.liveName || "this page";
  }

  function announce(names) {
    if (!summary || !names.length) return;
    summary.textContent = "";  // the same words twice are still said twice
    window.setTimeout(function () {
      summary.textContent = "Updated: " + names.join(", ") + ".";
    }, 100);
  }

  function busy(region) {
    return region.contains(document.activeElement) && document.activeElement !== region
      || region.querySelector(".errorlist, .form-message") !== null;
  }

  function refresh() {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    fetch(pageUrl, {credentials: "same-origin", headers: {"X-Clinic-Live-Refresh": "1"}})
      .then(function (response) {
        if (!response.ok || response.url.indexOf("/accounts/login/") !== -1) {
          throw new Error("page answered " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        heldBack = false;
        var changed = [];
        document.querySelectorAll("[data-live][id]").forEach(function (region) {
          var replacement = fresh.getElementById(region.id);
          if (!replacement) {
            // The page changed shape (say, a record that was pending now exists).
            window.location.reload();
            return;
          }
          if (busy(region)) {
            heldBack = true;
            return;
          }
          if (region.innerHTML !== replacement.innerHTML) {
            region.innerHTML = replacement.innerHTML;
            if (changed.indexOf(nameOf(region)) === -1) changed.push(nameOf(region));
          }
        });
        announce(changed);
        say("Live: up to date at " + new Date().toLocaleTimeString([], {hour: "2-digit", minute: "2-digit", second: "2-digit"}) + ".");
      })
      .catch(function () {
        say("Live updates paused; reload to see changes.");
      })
      .then(function () {
        fetching = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  function connect() {
    var url = streamUrl + (lastId ? "?lastEventId=" + encodeURIComponent(lastId) : "");
    var source = new EventSource(url);
    source.addEventListener("open", function () {
      retryDelay = 1000;
      say("Live: this page updates by itself.");
    });
    function update(event) {
      if (event.lastEventId) lastId = event.lastEventId;
      refresh();
    }
    source.addEventListener("projected", update);
    // The server no longer holds the updates we missed: fetch the page anyway.
    source.addEventListener("stream-reset", update);
    source.addEventListener("stream-error", function () {
      source.close();
      say("Live updates stopped; reload to see changes.");
    });
    source.addEventListener("error", function () {
      // Still CONNECTING: the browser retries by itself, with Last-Event-ID.
      // CLOSED (the server refused): we retry, less and less often.
      say("Live updates reconnecting…");
      if (source.readyState === EventSource.CLOSED) {
        window.setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 60000);
      }
    });
  }

  document.addEventListener("focusout", function () {
    if (heldBack) window.setTimeout(refresh, 50);
  });
  connect();
})();
