/*
 * The booking form's patient picker, as you type (progressive enhancement: the
 * form's Find button does the same with a page load). The search is POSTed to
 * the form's data-picker-url with the form's CSRF token, so a patient's name
 * never goes into a URL; the answer replaces the patients offered, keeping the
 * one already chosen. The count is told in the picker's live status line.
 */
(function () {
  "use strict";
  var WAIT_MS = 250;

  function setUp(form) {
    var search = form.querySelector("input[name=find]");
    var select = form.querySelector("select[name=patient]");
    var status = form.querySelector("[data-picker-status]");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!search || !select || !token || !window.fetch) return;
    var timer = null;
    var asked = 0;

    function offer(patients) {
      var chosen = select.value;
      var keep = chosen ? select.querySelector("option[value='" + chosen + "']") : null;
      while (select.options.length) select.remove(0);
      var first = document.createElement("option");
      first.value = "";
      first.textContent = patients.length || keep ? "Choose a patient" : "Find a patient first";
      select.add(first);
      if (keep) select.add(keep);
      patients.forEach(function (patient) {
        if (patient.id === chosen) return;
        var option = document.createElement("option");
        option.value = patient.id;
        option.textContent = patient.label;
        select.add(option);
      });
      if (keep) select.value = chosen;
      if (status) {
        status.textContent = patients.length + " patient" + (patients.length === 1 ? "" : "s") + " found" +
          (patients.length >= 10 ? "; type more of the name to narrow." : ".");
      }
    }

    function find() {
      var mine = ++asked;
      var body = new FormData();
      body.append("find", search.value);
      body.append("csrfmiddlewaretoken", token.value);
      fetch(form.dataset.pickerUrl, {method: "POST", body: body, credentials: "same-origin",
                                     headers: {"X-CSRFToken": token.value}})
        .then(function (answer) { return answer.ok ? answer.json() : Promise.reject(answer.status); })
        .then(function (found) { if (mine === asked) offer(found.patients); })
        .catch(function () { if (status) status.textContent = "The search failed; press Find to try again."; });
    }

    // Enter in the search box searches; Enter in any other field books, as the
    // form's first button (Find) would otherwise take it.
    var book = form.querySelector("button[type=submit]:not([name])");
    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.target.tagName !== "INPUT" || event.target === search) return;
      if (book && form.requestSubmit) {
        event.preventDefault();
        form.requestSubmit(book);
      }
    });

    search.addEventListener("input", function () {
      clearTimeout(timer);
      if (search.value.trim().length < 2) return;
      timer = setTimeout(find, WAIT_MS);
    });
  }

  document.querySelectorAll("form[data-picker-url]").forEach(setUp);
})();
