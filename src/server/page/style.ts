// The page's only stylesheet, inlined (CSP: style-src 'unsafe-inline', nothing remote). Light and
// dark by the viewer's preference; one column on a phone, cards in a grid on a laptop.
import { Html } from "../html.ts";

export const STYLE = `
:root{--bg:#f4f5f7;--fg:#1b2130;--mut:#5d6677;--card:#fff;--line:#e2e5ea;--ok:#1f8a45;--bad:#c62828;--warn:#9a6200;
--elite:#1f8a45;--high:#2467b3;--medium:#b07400;--low:#c62828;--none:#8a93a3;--link:#2360a8}
@media (prefers-color-scheme:dark){:root{--bg:#14171d;--fg:#e4e7ec;--mut:#9aa3b2;--card:#1d2129;--line:#2d333d;\
--ok:#4cc07a;--bad:#ff6b64;--warn:#e0a63a;
--elite:#3fb16d;--high:#5a9be6;--medium:#d8a033;--low:#ef5f58;--none:#6f7888;--link:#7fb0f0}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","DejaVu Sans",\
sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--link)}
.wrap{max-width:1180px;margin:0 auto;padding:0 1rem}
.banner{background:#8a5300;color:#fff;padding:.55rem 1rem;font-weight:600;text-align:center}
.banner.bad{background:#a11d1d}.banner.warn{background:#6b4a00}
.note{color:var(--warn);margin:.4rem 0}
nav.targets{display:inline-flex;flex-wrap:wrap;margin:0 0 .8rem}
.dates{display:flex;justify-content:space-between;color:var(--mut);font-size:.72rem;margin-top:.1rem}
header{background:var(--card);border-bottom:1px solid var(--line)}
.top{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem;padding-top:.7rem;\
padding-bottom:.7rem}
h1{font-size:1.25rem;margin:0}
h2{font-size:1.05rem;margin:1.6rem 0 .6rem}
h3{font-size:.92rem;margin:0 0 .3rem;font-weight:600}
.sub{color:var(--mut);font-weight:400;font-size:.84em}
.windows,.targets{display:flex;border:1px solid var(--line);border-radius:8px;overflow:hidden}
.windows a,.windows span,.targets a,.targets span{padding:.35rem .8rem;text-decoration:none;color:var(--fg)}
.windows .on,.targets .on{background:var(--fg);color:var(--bg);font-weight:600}
.windows a:hover,.targets a:hover{background:var(--line)}
.window{color:var(--mut);margin:.9rem 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(220px,calc(50% - .4rem)),1fr));gap:.8rem}
h2.keygroup{font-size:.85rem;text-transform:uppercase;letter-spacing:.05em;color:var(--mut);margin:1rem 0 .4rem}
.groupby{margin:1rem 0;display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
.card{background:var(--card);border:1px solid var(--line);border-top:4px solid var(--none);border-radius:10px;\
padding:.8rem 1rem}
.card.lvl-elite{border-top-color:var(--elite)}.card.lvl-high{border-top-color:var(--high)}
.card.lvl-medium{border-top-color:var(--medium)}.card.lvl-low{border-top-color:var(--low)}
.card h3{color:var(--mut);font-weight:500}
.big{font-size:2rem;font-weight:700;line-height:1.15;font-variant-numeric:tabular-nums;margin:.15rem 0 .35rem}
.detail{margin:.45rem 0 0;color:var(--mut);font-size:.85rem}
.badge{display:inline-block;border-radius:999px;padding:.08rem .6rem;font-size:.78rem;font-weight:700;color:#fff;\
background:var(--none);text-transform:uppercase;letter-spacing:.03em}
.badge.small{font-size:.64rem;padding:.02rem .45rem;vertical-align:1px}
.badge.elite{background:var(--elite)}.badge.high{background:var(--high)}.badge.medium{background:var(--medium)}\
.badge.low{background:var(--low)}
.failing{margin:1rem 0 0;padding:.6rem .9rem;border-radius:8px;background:color-mix(in srgb,var(--bad) 12%,\
var(--card));border:1px solid var(--bad)}
.allgood{margin:1rem 0 0;color:var(--ok)}
.scroll{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:10px}
table{border-collapse:collapse;width:100%;min-width:760px}
th,td{padding:.5rem .7rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:.8rem;color:var(--mut);font-weight:600;white-space:nowrap}
tbody tr:last-child td{border-bottom:0}
td.n,th.n{text-align:right}
td.repo{font-weight:600}
.val{font-variant-numeric:tabular-nums;font-weight:600}
tr.is-failing{background:color-mix(in srgb,var(--bad) 7%,transparent)}
tr.is-unmapped{background:color-mix(in srgb,var(--warn) 9%,transparent)}
table.apps td.sub{overflow-wrap:anywhere}
td.since{white-space:nowrap}
td.repo,td.target,td.n{white-space:nowrap}
.bad{color:var(--bad);font-weight:600}.okc{color:var(--ok)}.warnc{color:var(--warn);font-weight:600}
.repos{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:.8rem}
.repo-card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:.7rem .9rem}
.repo-card.is-failing{border-color:var(--bad)}
.repo-card h3 a{color:var(--fg);text-decoration:none}.repo-card h3 a:hover{text-decoration:underline}
.repo-card p{margin:.3rem 0 0}
.chart{display:block;width:100%;height:56px;margin-top:.3rem}
.chart .ok{fill:var(--ok)}.chart .fail{fill:var(--bad)}.chart .axis{stroke:var(--line);stroke-width:1}
.chart g:hover rect.ok,.chart g:hover rect.fail{opacity:.7}
.legend{color:var(--mut);font-size:.85rem;margin:-.3rem 0 .6rem}
.sw{display:inline-block;width:.8em;height:.8em;border-radius:2px;vertical-align:-1px;margin-left:.6em}
.sw.ok{background:var(--ok)}.sw.fail{background:var(--bad)}
.incidents{margin:.4rem 0 0;padding-left:1.1rem;font-size:.82rem}
.incidents li.bad{font-weight:400}
.status{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;background:var(--card);border:1px solid \
var(--line);border-radius:10px;padding:.8rem 1rem;margin:0}
.status dt{color:var(--mut)}.status dd{margin:0}
progress{vertical-align:middle;width:8rem}
code{font-size:.9em}
footer{color:var(--mut);padding-top:1.4rem;padding-bottom:2rem;font-size:.85rem}
@media (max-width:640px){table{min-width:0}thead{display:none}table,tbody,tr,td{display:block}
tr{border-bottom:1px solid var(--line);padding:.4rem 0}tbody tr:last-child{border-bottom:0}td{border:0;padding:.15rem \
.7rem;text-align:left}
td.n{text-align:left}td[data-label]::before{content:attr(data-label);display:inline-block;min-width:9.5rem;\
color:var(--mut);font-size:.8rem}
td.n .sub::before{content:"";display:inline-block;min-width:9.5rem}td.since,td.repo,td.target,td.n{white-space:normal}\
td.repo{font-size:1rem;padding-top:.3rem}}
@media (max-width:560px){.big{font-size:1.45rem}.card{padding:.6rem .7rem}.wrap{padding:0 .6rem}\
.status{grid-template-columns:1fr}.status dt{margin-top:.4rem}}
`;

/** The stylesheet as trusted markup: a <style> element's text is not entity-decoded, so it must not be escaped. */
export const STYLE_HTML = new Html(STYLE);
