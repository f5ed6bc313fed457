// "Ajouter des documents": before sending, the caps of one request (the server checks them too).
// Too many files or too many megabytes would be refused whole, after a long wait: say so at once.
(function () {
  "use strict";
  var form = document.querySelector("form[data-max-files]");
  if (!form) return;
  var status = document.getElementById("envoi-etat");
  function chosen() {
    var files = [];
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) { files.push(file); });
    });
    return files;
  }
  function check() {
    var files = chosen(), total = 0;
    var maxFiles = Number(form.dataset.maxFiles), maxBytes = Number(form.dataset.maxBytes);
    files.forEach(function (file) { total += file.size; });
    var megabytes = Math.round(total / 1048576);
    if (files.length > maxFiles) {
      return files.length + " fichiers choisis : " + maxFiles + " au plus par envoi. Envoyez le dossier en plusieurs fois.";
    }
    if (total > maxBytes) {
      return megabytes + " Mo choisis : " + Math.round(maxBytes / 1048576) + " Mo au plus par envoi. Envoyez les fichiers en plusieurs fois.";
    }
    return "";
  }
  form.addEventListener("change", function () {
    var message = check(), count = chosen().length;
    status.textContent = message || (count ? count + (count > 1 ? " fichiers choisis." : " fichier choisi.") : "");
    status.className = message ? "error" : "hint";
  });
  form.addEventListener("submit", function (event) {
    var message = check();
    if (message) {
      event.preventDefault();
      status.textContent = message;
      status.className = "error";
      status.focus();
    }
  });
})();
