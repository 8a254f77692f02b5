// Progressive enhancement of the scenario editor: pick stops by clicking communes on a map.
// Without JavaScript (or without Leaflet) the stops' table and "Ajouter un arrêt" do the same.
(function () {
  "use strict";
  const box = document.getElementById("carte-arrets");
  const tbody = document.querySelector("table.arrets tbody");
  const template = document.getElementById("ligne-arret");
  if (!box || !tbody || !template || !window.L || !box.dataset.departements) return;
  box.hidden = false;
  const map = L.map("carte-communes", { zoomSnap: 0.25 });
  L.tileLayer("https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png", {
    attribution: "© les contributeurs d’OpenStreetMap", maxZoom: 18,
  }).addTo(map);
  const inputs = () => Array.from(tbody.querySelectorAll("input[name$='.commune']"));
  const chosen = () => new Set(inputs().map((i) => i.value.trim()).filter(Boolean));
  const markers = new Map();
  const paint = () => {
    const picked = chosen();
    markers.forEach((marker, code) => {
      const on = picked.has(code);
      marker.setStyle({ color: on ? "#b00020" : "#0b5cad", fillColor: on ? "#b00020" : "#0b5cad", fillOpacity: on ? 0.9 : 0.35 });
    });
  };
  const addStop = (code) => {
    if (chosen().has(code)) return;
    let empty = inputs().find((i) => !i.value.trim());
    if (!empty) {
      const i = String(tbody.rows.length);
      const html = template.innerHTML.replaceAll("__i__", i).replaceAll("__n__", String(tbody.rows.length + 1));
      tbody.insertAdjacentHTML("beforeend", html);
      empty = inputs().pop();
    }
    empty.value = code;
    paint();
  };
  const deps = box.dataset.departements.split(",");
  Promise.all(deps.map((d) => fetch("/api/territoires/" + encodeURIComponent(d) + "/communes").then((r) => r.json())))
    .then((lists) => {
      const bounds = [];
      lists.flat().forEach((c) => {
        if (c.lat === null || c.lon === null) return;
        const marker = L.circleMarker([c.lat, c.lon], { radius: 6, weight: 1, className: "commune commune-" + c.code });
        marker.bindTooltip(c.nom + " (" + c.code + ")");
        marker.on("click", () => addStop(c.code));
        marker.addTo(map);
        markers.set(c.code, marker);
        bounds.push([c.lat, c.lon]);
      });
      if (bounds.length) map.fitBounds(bounds, { padding: [10, 10] });
      paint();
      box.dataset.ready = "1";
    });
  tbody.addEventListener("input", paint);
})();
