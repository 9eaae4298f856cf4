"""The inline style sheet and filter script of the HTML report.

Both are constants: nothing from the run is ever written into them, so the script cannot be
made to run anything a provider sent. Without JavaScript the page still reads top to bottom
with every check shown; the filter bar stays hidden because it would do nothing.
"""

from __future__ import annotations

CSS = """
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--red:#cf222e;
--red-bg:#ffebe9;--red-line:#ffcecb;--green:#1a7f37;--green-bg:#dafbe1;--amber:#9a6700;
--amber-bg:#fff8c5;--blue:#0969da}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;color:var(--fg);background:#fff;font:15px/1.55 system-ui,-apple-system,"Segoe UI",
Roboto,"Noto Sans","DejaVu Sans",sans-serif}
main{max-width:72rem;margin:0 auto;padding:1.75rem 1.5rem 4rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;
font-size:13px}
pre{margin:0;padding:.55rem .75rem;background:var(--soft);border:1px solid var(--line);
border-radius:6px;white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.45}
a{color:var(--blue);text-decoration:none}
a:hover{text-decoration:underline}
h1{font-size:1.55rem;line-height:1.25;margin:.25rem 0 .35rem;overflow-wrap:anywhere}
h2{font-size:1.3rem;margin:2.25rem 0 .8rem;padding-bottom:.35rem;
border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:0}
.eyebrow{font-size:.75rem;font-weight:600;letter-spacing:.07em;text-transform:uppercase;
color:var(--muted)}
.muted,.facts{color:var(--muted)}
.facts{margin:0 0 1.1rem}
.facts code{font-size:12.5px}
.verdict{display:flex;flex-wrap:wrap;align-items:baseline;gap:.4rem 1rem;margin:0;
padding:.85rem 1.15rem;border:1px solid;border-radius:8px;font-size:1.05rem}
.verdict strong{font-size:1.35rem;letter-spacing:.02em}
.v-failed,.v-error{background:var(--red-bg);border-color:var(--red-line);color:#82071e}
.v-passed{background:var(--green-bg);border-color:#aceebb;color:#116329}
.v-deviations{background:var(--amber-bg);border-color:#eed888;color:#6c4400}
.alert{margin:.75rem 0;padding:.6rem 1rem;border-left:4px solid var(--red);background:var(--red-bg)}
.stats{display:flex;flex-wrap:wrap;gap:.6rem;list-style:none;margin:1rem 0 .5rem;padding:0}
.stats li{min-width:8rem;padding:.5rem .85rem;border:1px solid var(--line);border-radius:8px;
color:var(--muted);font-size:.85rem}
.stats b{display:block;color:var(--fg);font-size:1.35rem;line-height:1.25}
.stats .bad b{color:var(--red)}
details.run{margin:.25rem 0 0;color:var(--muted);font-size:.85rem}
details.run pre{margin-top:.4rem}
nav.jump{margin:1rem 0 0;font-size:.9rem}
nav.jump a{margin-right:1.1rem}
summary{cursor:pointer}
.filters{position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;align-items:center;
gap:.5rem .65rem;margin:1.5rem -.5rem 0;padding:.55rem .5rem;background:rgba(255,255,255,.97);
border-bottom:1px solid var(--line);font-size:.85rem}
section,article,.area{scroll-margin-top:4.5rem}
.filters fieldset{display:flex;flex-wrap:wrap;gap:.3rem;align-items:center;margin:0;padding:0;
border:0}
.filters legend,.filters b{float:left;margin-right:.3rem;font-weight:600;color:var(--muted)}
.filters label.pick{display:flex;align-items:center;gap:.35rem}
.filters label.pick b{float:none;margin:0}
.chip{display:inline-flex;align-items:center;gap:.3rem;padding:.05rem .45rem;border:1px solid
var(--line);border-radius:999px;cursor:pointer;user-select:none}
.chip:has(input:checked){background:#ddf4ff;border-color:#54aeff}
.chip input{margin:0}
.filters select{width:8.5rem;font:inherit;padding:.1rem .3rem}
.filters output{margin-left:auto;color:var(--muted)}
.filters button{font:inherit;padding:.1rem .7rem;border:1px solid var(--line);border-radius:6px;
background:var(--soft);cursor:pointer}
.toc{margin:.5rem 0 1rem;padding-left:1.6rem}
.toc li{margin:.2rem 0}
.toc .n{margin-left:.6rem;color:var(--muted);white-space:nowrap}
.cause{margin:1.25rem 0;border:1px solid var(--red-line);border-radius:10px;overflow:hidden}
.cause>h3{display:flex;gap:.8rem;align-items:baseline;padding:.75rem 1.15rem;
background:var(--red-bg);border-bottom:1px solid var(--red-line);font-size:1.1rem}
.count{padding:.05rem .6rem;border-radius:999px;background:var(--red);color:#fff;
font-size:.8rem;white-space:nowrap}
.req{display:flex;flex-wrap:wrap;gap:.6rem;align-items:baseline;margin:.75rem 1.15rem .25rem}
.rid{font-size:14px;font-weight:600}
.sec{color:var(--muted)}
.lvl{padding:0 .45rem;border-radius:4px;font-size:.75rem;font-weight:700;letter-spacing:.04em}
.l-MUST{background:#ffd8d3;color:#82071e}
.l-SHOULD{background:#ffefb5;color:#6c4400}
.l-MAY{background:#ddf4ff;color:#0a3069}
.para{margin:.25rem 1.15rem;font-size:1rem}
.how{margin:.25rem 1.15rem .5rem;font-size:.88rem}
.cards{padding:0 1.15rem .4rem}
.fail{padding:.9rem 0 .8rem;border-top:1px solid var(--line)}
.fail header{display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline}
.check{font-size:13.5px;font-weight:600;overflow-wrap:anywhere}
.tag{padding:0 .5rem;border:1px solid var(--line);border-radius:999px;color:var(--muted);
font-size:.75rem}
.t-error{border-color:var(--red-line);color:var(--red)}
.ftitle{margin:.3rem 0 0;font-weight:600}
.cites{margin:.2rem 0 .5rem;font-size:.85rem;color:var(--muted)}
.cites code{font-size:12.5px;color:var(--fg)}
dl.er{display:grid;grid-template-columns:6.5rem minmax(0,1fr);gap:.4rem .8rem;margin:.4rem 0}
dl.er dt{padding-top:.5rem;font-size:.75rem;font-weight:700;letter-spacing:.05em;
text-transform:uppercase;color:var(--muted)}
dl.er dd{margin:0}
dl.er dd:nth-of-type(1) pre{border-left:3px solid var(--green)}
dl.er dd:nth-of-type(2) pre{border-left:3px solid var(--red)}
details.ex{margin:.5rem 0}
details.ex>summary{color:var(--blue);font-size:.9rem}
details.ex>summary code{color:var(--fg);font-size:12.5px}
.exb{margin:.4rem 0 0 1rem;padding-left:.8rem;border-left:2px solid var(--line)}
.xl{margin:.5rem 0 .2rem;font-size:.75rem;font-weight:700;letter-spacing:.05em;
text-transform:uppercase;color:var(--muted)}
.mt{margin-left:.4rem;font-weight:400;text-transform:none;letter-spacing:0}
.others{margin:.2rem 0;padding-left:1.4rem}
.others li{margin:.2rem 0}
.note{margin:.3rem 0;font-size:.85rem;color:var(--muted)}
.curl pre{background:#24292f;border-color:#24292f;color:#f0f3f6}
pre.raw{border-left:3px solid var(--red)}
details.more{margin:.4rem 0 .4rem}
details.more>summary{padding:.5rem 0;color:var(--blue);font-weight:600}
.others>summary,details.others>summary{display:flex;gap:1rem;align-items:baseline;list-style:none}
details.others>summary h2{display:inline-block;margin:0;border:0;padding:0}
details.others>summary::before{content:"\\25B8";color:var(--muted)}
details.others[open]>summary::before{content:"\\25BE"}
#others{margin-top:2.25rem;padding-top:.35rem;border-top:1px solid var(--line)}
.area h3{margin:1.1rem 0 .3rem;font-size:1rem}
.n{font-weight:400;color:var(--muted);font-size:.9rem}
ul.rows{margin:0;padding:0;list-style:none}
ul.rows li{display:flex;flex-wrap:wrap;gap:.2rem .7rem;align-items:baseline;padding:.2rem .4rem;
border-bottom:1px solid #eef1f4;font-size:.85rem}
ul.rows code{flex:1 1 24rem;overflow-wrap:anywhere}
.ids{color:var(--muted);font-size:.8rem}
.d{color:var(--muted);font-size:.8rem;font-variant-numeric:tabular-nums}
.why{flex-basis:100%;padding-left:4.6rem;color:var(--amber);font-size:.82rem}
ul.rows li::before{width:4.2rem;font-size:.75rem;font-weight:700}
ul.rows li[data-outcome=passed]::before{content:"passed";color:var(--green)}
ul.rows li[data-outcome=skipped]::before{content:"skipped";color:var(--amber)}
.empty{color:var(--muted);font-style:italic}
.split{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1.5rem;
align-items:start}
table.counts{width:100%;border-collapse:collapse;font-size:.9rem}
table.counts th,table.counts td{padding:.3rem .6rem;border-bottom:1px solid var(--line);
text-align:left;vertical-align:top}
table.counts thead th{font-size:.75rem;letter-spacing:.04em;text-transform:uppercase;
color:var(--muted)}
table.counts th[scope=row]{font-weight:500}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
td.bad{color:var(--red);font-weight:700}
td.zero{color:#8c959f}
.frac{display:inline-block;min-width:4.2rem}
tr.total th,tr.total td{font-weight:700;border-top:2px solid var(--line)}
td.ids{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
.bar{display:inline-block;width:4rem;height:.45rem;margin-left:.5rem;background:#eef1f4;
border-radius:3px;overflow:hidden;vertical-align:middle}
.bar i{display:block;height:100%;background:var(--green)}
@media print{.filters{display:none}}
"""

#: The filters: every element with ``data-outcome`` is a row; ``data-group`` elements hide
#: when none of their rows is shown. Rows are hidden with the ``hidden`` attribute.
SCRIPT = """
(function () {
  var form = document.getElementById("filters");
  if (!form) return;
  form.hidden = false;
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-outcome]"));
  rows.forEach(function (row) {  // one-line rows inherit the area of their list
    if (!row.dataset.area) row.dataset.area = row.closest("[data-area]").dataset.area;
  });
  var groups = Array.prototype.slice.call(document.querySelectorAll("[data-group]"));
  var shown = document.getElementById("shown");
  var others = document.getElementById("others-list");
  var empty = document.getElementById("no-failure");
  function ticked(name) {
    var boxes = form.querySelectorAll("input[name=" + name + "]:checked");
    return Array.prototype.map.call(boxes, function (box) { return box.value; });
  }
  function apply(event) {
    var outcomes = ticked("outcome"), levels = ticked("level"), area = form.area.value;
    var count = 0, failures = 0;
    rows.forEach(function (row) {
      var on = outcomes.indexOf(row.dataset.outcome) >= 0 &&
        levels.indexOf(row.dataset.level) >= 0 && (!area || row.dataset.area === area);
      row.hidden = !on;
      if (on) { count += 1; if (row.dataset.outcome === "failed") failures += 1; }
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector("[data-outcome]:not([hidden])");
    });
    // A cause whose matching checks all sit behind "N more checks" opens that list.
    Array.prototype.forEach.call(document.querySelectorAll("details.more"), function (more) {
      var open = more.parentNode.querySelector(":scope > [data-outcome]:not([hidden])");
      if (event && !open && !more.hidden) more.open = true;
    });
    shown.textContent = count + " of " + rows.length + " shown";
    if (empty) empty.hidden = failures > 0;
    if (event && others && count > failures) others.open = true;
  }
  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  apply();
})();
"""
