// GraphiQL (vendor/graphiql, GraphiQL 3 with React 18), started from this file
// because the Content-Security-Policy runs no inline script. It posts to the
// endpoint with the session's cookie and its CSRF token, as the page's form does.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  if (!root || !window.GraphiQL || !window.React || !window.ReactDOM) {
    return;  // the plain form below still works
  }
  var fetcher = window.GraphiQL.createFetcher({
    url: root.dataset.endpoint,
    headers: {"X-CSRFToken": root.dataset.csrfToken},
  });
  // A query in the address (?query=…) opens in the editor: a link can share one.
  var linked = new URLSearchParams(window.location.search).get("query");
  // CodeMirror's text areas carry no name; give each the name of its editor, now
  // and whenever GraphiQL draws one again.
  var names = [[".graphiql-query-editor", "GraphQL query"], [".graphiql-editor-tool", "Query variables"],
               [".result-window", "Result"]];
  function nameEditors() {
    names.forEach(function (pair) {
      root.querySelectorAll(pair[0] + " textarea:not([aria-label])").forEach(function (area) {
        area.setAttribute("aria-label", pair[1]);
      });
    });
  }
  new MutationObserver(nameEditors).observe(root, {childList: true, subtree: true});
  window.ReactDOM.createRoot(root).render(window.React.createElement(window.GraphiQL, {
    fetcher: fetcher,
    defaultQuery: root.dataset.example,
    query: linked || undefined,
    defaultEditorToolsVisibility: false,
    isHeadersEditorEnabled: false,
  }));
}());
