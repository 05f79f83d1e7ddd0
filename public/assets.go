package public

import "strconv"

// The site's style and its one script. The pages work without the
// script: it only filters the static site's index from search.json as
// the service filters its own (the form's fields are the same).

const siteCSS = `:root{--ink:#1d1d1f;--muted:#5f6368;--line:#d9d9de;--accent:#a4161a;--bar:#b5332e;--bg:#faf9f7}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;font:16px/1.7 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;color:var(--ink);background:var(--bg)}
header{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:baseline;padding:.8rem 1.5rem;background:var(--accent);color:#fff}
header a{color:#fff;text-decoration:none}
header .site{font-weight:700;font-size:1.15rem}
header nav{display:flex;flex-wrap:wrap;gap:1rem}
main{max-width:68rem;margin:0 auto;padding:1rem 1.5rem 3rem;overflow-wrap:anywhere}
h1{font-size:1.5rem;line-height:1.4}
h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem}
a{color:#0b57d0}
table{border-collapse:collapse;width:100%;margin:1rem 0;background:#fff}
th,td{border:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f0ee}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.nowrap{white-space:nowrap}
form.filter{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.8rem;background:#fff;border:1px solid var(--line)}
form.filter input[type=search]{min-width:16rem;padding:.25rem}
form.filter select{max-width:100%}
p.none{padding:1rem;background:#fff;border:1px solid var(--line)}
.late{color:var(--accent)}
table.data{width:auto;min-width:50%}
table.data caption{text-align:left;font-weight:700;padding:.3rem 0}
details{margin:.3rem 0}
summary{cursor:pointer;color:#0b57d0}
progress{width:10rem;max-width:100%;vertical-align:middle}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;background:#fff;border:1px solid var(--line);padding:.8rem}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
section.reply,section.progress{background:#fff;border-left:4px solid var(--accent);padding:.2rem 1rem;margin:1rem 0}
.withheld{color:var(--muted);font-style:italic}
.rating{font-weight:700}
ol.timeline{padding-left:1.2rem}
ol.timeline time{color:var(--muted);margin-right:.5rem;font-variant-numeric:tabular-nums}
nav.pages{display:flex;flex-wrap:wrap;gap:.5rem}
nav.pages span{font-weight:700}
figure.chart{margin:1.5rem 0;overflow-x:auto}
figure.chart svg{max-width:100%;height:auto;font-size:13px;font-family:inherit}
figure.chart .t{font-weight:700;font-size:14px}
figure.chart .bg{fill:#eeeceb}
figure.chart .bar{fill:var(--bar)}
.report p.li{margin:.2rem 0 .2rem 1rem}
footer{max-width:68rem;margin:0 auto;padding:1rem 1.5rem;color:var(--muted);font-size:.9rem}
@media (max-width:600px){
header{padding:.6rem .9rem}
main{padding:.5rem .9rem 2rem}
footer{padding:1rem .9rem}
h1{font-size:1.25rem}
form.filter{flex-direction:column;align-items:stretch}
form.filter label{display:flex;justify-content:space-between;gap:.5rem}
form.filter input[type=search]{min-width:0;width:100%}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:auto}
table.cards{border:0;background:none}
table.cards thead{display:none}
table.cards tr{background:#fff;border:1px solid var(--line);margin:0 0 .6rem;padding:.4rem .7rem}
table.cards td{border:0;padding:.1rem 0;display:grid;grid-template-columns:5.5em 1fr;gap:.6rem;text-align:left}
table.cards td::before{content:attr(data-label);color:var(--muted);overflow-wrap:normal}
html[lang=en] table.cards td{grid-template-columns:9em 1fr}
table.cards td.nowrap{white-space:normal}
dl.facts{grid-template-columns:1fr;gap:0}
dl.facts dd{margin-bottom:.4rem}
}
@media print{header nav,form.filter,footer a{display:none}body{background:#fff}}
`

var siteJS = `(function () {
  "use strict";
  var form = document.getElementById("filter");
  var rows = document.getElementById("rows");
  if (!form || !rows || !window.fetch || !window.URLSearchParams) { return; }
  var count = document.getElementById("count");
  var pages = document.getElementById("pages");
  var none = document.getElementById("none");
  var table = document.getElementById("items");
  var heads = table ? Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent; }) : [];
  var english = document.documentElement.lang !== "zh-CN";
  var index = null;
  var fields = ["kind", "period", "category", "dept", "status"];
  function load() {
    if (index) { return Promise.resolve(index); }
    return fetch(form.getAttribute("data-index")).then(function (r) {
      if (!r.ok) { throw new Error("search index: " + r.status); }
      return r.json();
    }).then(function (j) { index = j; return j; });
  }
  // td adds a cell as the page writes them: under its header on a phone,
  // Chinese text marked so on an English page.
  function td(tr, text, href, cls) {
    var c = document.createElement("td");
    c.setAttribute("data-label", heads[tr.children.length] || "");
    if (cls) { c.className = cls; }
    if (english && /[\u3400-\u9fff]/.test(text)) { c.lang = "zh-CN"; }
    if (href) {
      var a = document.createElement("a");
      a.href = href; a.textContent = text; c.appendChild(a);
    } else { c.textContent = text; }
    tr.appendChild(c);
  }
  function apply(params) {
    var active = fields.some(function (f) { return params.get(f); }) || params.get("q");
    if (!active) { return; }
    load().then(function (idx) {
      var words = Array.from(params.get("q") || "").slice(0, ` + strconv.Itoa(MaxQuery) + `).join("").toLowerCase().split(/\s+/).filter(Boolean);
      var found = idx.items.filter(function (it) {
        var want = { kind: it.k, period: it.p, category: it.c, status: it.s };
        for (var k in want) { if (params.get(k) && want[k] !== params.get(k)) { return false; } }
        var d = params.get("dept");
        if (d && it.d !== d && (it.cd || []).indexOf(d) < 0) { return false; }
        var hay = (it.w ? it.n : it.n + " " + it.t + " " + (idx.depts[it.d] || "")).toLowerCase();
        return words.every(function (w) { return hay.indexOf(w) >= 0; });
      });
      var shown = found.slice(0, ` + "500" + `);
      while (rows.firstChild) { rows.removeChild(rows.firstChild); }
      shown.forEach(function (it) {
        var tr = document.createElement("tr");
        td(tr, it.n, it.u, "nowrap");
        if (it.w) { td(tr, it.t, null, "withheld"); } else {
          td(tr, it.t); td(tr, idx.depts[it.d] || ""); td(tr, it.dl, null, "nowrap"); td(tr, it.sl);
        }
        rows.appendChild(tr);
      });
      var tpl = found.length > shown.length ? form.getAttribute("data-cut") : form.getAttribute("data-count");
      count.textContent = tpl.replace("{n}", String(found.length)).replace("{shown}", String(shown.length));
      if (pages) { pages.hidden = true; }
      if (none) { none.hidden = found.length > 0; }
      if (table) { table.hidden = found.length === 0; }
    }).catch(function () {
      count.textContent = form.getAttribute("data-count").replace("{n}", "?");
    });
  }
  fields.concat(["q"]).forEach(function (f) {
    var el = form.elements[f];
    var v = new URLSearchParams(window.location.search).get(f);
    if (el && v) { el.value = v; }
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var params = new URLSearchParams(new FormData(form));
    var clean = new URLSearchParams();
    params.forEach(function (v, k) { if (v) { clean.set(k, v); } });
    if (window.history && history.replaceState) {
      history.replaceState(null, "", "?" + clean.toString());
    }
    if (!clean.toString()) { window.location.search = ""; return; }
    apply(clean);
  });
  apply(new URLSearchParams(window.location.search));
}());
`
