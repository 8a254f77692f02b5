// Progressive enhancement of the job page: live progress by server-sent events.
(function () {
  "use strict";
  const box = document.getElementById("tache");
  if (!box || !window.EventSource) return;
  const state = box.dataset.state;
  if (state === "done" || state === "failed" || state === "cancelled" || state === "interrupted") return;
  const bar = document.getElementById("barre");
  const etat = document.getElementById("etat");
  const detail = document.getElementById("detail");
  const fmt = (x, d) => Number(x).toLocaleString("fr-FR", { maximumFractionDigits: d });
  const source = new EventSource("/api/taches/" + encodeURIComponent(box.dataset.job) + "/evenements");
  source.addEventListener("progress", (e) => {
    const ev = JSON.parse(e.data);
    if (ev.total !== undefined && ev.done !== undefined) { bar.max = ev.total; bar.value = ev.done; }
    if (ev.limit) { bar.max = ev.limit; bar.value = Math.min(ev.elapsed || 0, ev.limit); }
    etat.textContent = ev.step || "En cours";
    const parts = [];
    if (ev.elapsed !== undefined) parts.push(fmt(ev.elapsed, 1) + " s");
    if (ev.best !== undefined && ev.best !== null) parts.push("meilleure valeur " + fmt(ev.best, 1));
    if (ev.served !== undefined) parts.push(ev.served + " arrêts desservis sur " + ev.total);
    if (ev.unserved_mandatory) parts.push(ev.unserved_mandatory + " obligatoires non placés");
    detail.textContent = parts.join(" · ");
  });
  source.addEventListener("state", (e) => {
    etat.textContent = JSON.parse(e.data).state_fr;
  });
  source.addEventListener("end", (e) => {
    source.close();
    const job = JSON.parse(e.data);
    box.dataset.state = job.state;
    const cancel = document.getElementById("annuler");
    if (cancel) cancel.hidden = true;
    if (job.state === "done") {
      bar.value = bar.max;
      etat.textContent = "Terminé";
      if (job.target === window.location.pathname) {
        window.location.reload();  // the result is this page
      } else {
        document.getElementById("fini").hidden = false;
        window.location.assign(job.target);
      }
    } else {
      etat.textContent = job.state_fr;
      if (job.error) {
        const err = document.getElementById("erreur");
        err.textContent = job.error + (job.reasons.length ? " — " + job.reasons.join(" ; ") : "");
        err.hidden = false;
      }
    }
  });
})();
