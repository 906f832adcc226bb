// The API documentation page: Swagger UI over our own OpenAPI document, nothing fetched
// from outside (no validator badge, no external spec).
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("api-docs");
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    validatorUrl: null,
    deepLinking: true,
    tryItOutEnabled: false,
    persistAuthorization: false,
  });
});
