/* "Ma sélection": documents kept in this browser (localStorage), no account. Without it, nothing changes. */
(function () {
  var KEY = "docsearch-selection", body = document.body;
  function load() { try { var v = JSON.parse(localStorage.getItem(KEY)); return Array.isArray(v) ? v : []; } catch (e) { return []; } }
  function save(ids) { try { localStorage.setItem(KEY, JSON.stringify(ids)); } catch (e) {} count(); }
  function count() {
    var n = load().length;
    document.querySelectorAll("[data-selection-count]").forEach(function (el) { el.textContent = n ? " (" + n + ")" : ""; });
  }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text) e.textContent = text; return e; }
  function toggle(id) { var ids = load(), i = ids.indexOf(id); if (i < 0) ids.push(id); else ids.splice(i, 1); save(ids); return i < 0; }

  // A button on each document of a page: results, home page, a document's page.
  document.querySelectorAll("[data-doc-id]").forEach(function (item) {
    var id = item.getAttribute("data-doc-id"), title = item.querySelector("h1, h3");
    var b = el("button", "select-toggle secondary"), label = el("span"), name = el("span", "visually-hidden");
    name.textContent = title ? " : " + title.textContent : "";
    b.type = "button"; b.append(label, name);
    function draw() { label.textContent = load().indexOf(id) < 0 ? "Ajouter à ma sélection" : "Retirer de ma sélection"; }
    b.addEventListener("click", function () { toggle(id); draw(); });
    draw();
    if (item.tagName === "LI") item.append(b); else (title || item).insertAdjacentElement("afterend", b);
  });
  count();

  // The page /selection: the documents, from their JSON twins.
  var box = document.getElementById("selection");
  if (!box) return;
  document.getElementById("selection-nojs").hidden = true;
  box.hidden = false;
  var list = document.getElementById("selection-list"), status = document.getElementById("selection-status");
  var base = body.getAttribute("data-documents"), exports = box.getAttribute("data-exports");
  function render() {
    var ids = load();
    list.textContent = "";
    status.textContent = ids.length ? ids.length + " document" + (ids.length > 1 ? "s" : "") + " dans votre sélection."
                                    : "Votre sélection est vide : ajoutez-y des documents depuis les résultats d'une recherche.";
    document.getElementById("selection-actions").hidden = !ids.length;
    box.querySelectorAll("[data-export]").forEach(function (a) { a.href = exports + "." + a.getAttribute("data-export") + "?ids=" + ids.join(","); });
    ids.forEach(function (id) {
      var li = el("li", "hit"), h = el("h2", "", "…"), rm = el("button", "secondary no-print", "Retirer");
      rm.type = "button";
      rm.addEventListener("click", function () { toggle(id); render(); status.textContent = "Document retiré. " + status.textContent; });
      li.append(h, rm);
      list.append(li);
      fetch(base + encodeURIComponent(id) + ".json").then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (!data) { h.textContent = "Document retiré du fonds"; return; }
        var d = data.document, a = el("a", "", d.title);
        a.href = d.page_url; h.textContent = ""; h.append(a);
        rm.append(el("span", "visually-hidden", " : " + d.title));
        li.insertBefore(el("p", "meta", [d.type.label, d.year || "Année inconnue", d.sectors.map(function (s) { return s.label; }).join(", ")].join(" · ")), rm);
        if (d.summary) li.insertBefore(el("p", "", d.summary), rm);
      });
    });
  }
  document.getElementById("selection-print").addEventListener("click", function () { window.print(); });
  document.getElementById("selection-clear").addEventListener("click", function () { save([]); render(); });
  render();
})();
