// Starts the vendored Swagger UI for /docs (an external file, so the page needs no inline
// script). Requests to /api/ carry the token this browser already holds, so "Try it out" works.
(function start() {
  var root = document.getElementById('swagger-ui');
  var token = '';
  try {
    token = window.localStorage.getItem('taartenfabriek.token') || '';
  } catch (e) {
    token = '';
  }
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute('data-openapi-url'),
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
    requestInterceptor: function addToken(request) {
      var path = new URL(request.url, window.location.href).pathname;
      var headers = request.headers || {};
      if (token && path.indexOf('/api/') === 0 && !headers['X-Local-Token']) {
        headers['X-Local-Token'] = token;
        request.headers = headers;
      }
      return request;
    },
  });
})();
