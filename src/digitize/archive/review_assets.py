"""Style sheet and script of the review page (`review.py`), inline so the page works offline.

The script never builds markup from data: it toggles classes, moves elements the page
already has (cloned) and sets `textContent`, so text from edited files stays text.
"""

from __future__ import annotations

CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans CJK","AR PL UMing CN",sans-serif;margin:0;
 background:#fafafa;color:#222}
header{padding:10px 16px;background:#263238;color:#fff}
header h1{margin:0;font-size:20px}
.legend span{display:inline-block;margin:4px 8px 0 0;font-size:12px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:3px;vertical-align:-1px}
main{padding:8px 16px}
table.arts{border-collapse:collapse;font-size:13px;margin-bottom:12px}
table.arts td,table.arts th{border:1px solid #ccc;padding:2px 6px;text-align:left}
table.arts tr[data-article]{cursor:pointer}
table.arts tr:hover,table.arts tr.on{background:#fff3c4}
table.arts tr.sel{background:#ffe082}
.page h2{font-size:16px;margin:16px 0 6px}
.row{display:flex;gap:12px;align-items:flex-start}
.img{flex:0 0 58%;min-width:0}
.tools{font-size:12px;margin-bottom:4px;display:flex;gap:4px;align-items:center;flex-wrap:wrap}
.tools button{font-size:13px;min-width:30px;padding:1px 6px;cursor:pointer}
.tools .hint{color:#777}
.vp{overflow:auto;max-height:86vh;border:1px solid #999;background:#fff;cursor:grab;
 overscroll-behavior:contain}
.vp.drag{cursor:grabbing}
.scan{display:block;width:100%;height:auto}
.blk{fill-opacity:.06;stroke-opacity:.9;cursor:pointer}
.blk.on{fill-opacity:.25}
.blk.sel{fill-opacity:.3;stroke-opacity:1;stroke-dasharray:none;filter:drop-shadow(0 0 3px #000)}
.low{fill:#ff1744;fill-opacity:.35;stroke:none;pointer-events:none}
.num{opacity:.85;cursor:pointer}
.num:hover,.num.on{opacity:1}
.num text{fill:#fff;font-family:sans-serif;font-weight:bold;pointer-events:none}
.num line{stroke-opacity:.8}
.nonum .num{display:none}
.side{flex:1;min-width:0}
.info{border:1px solid #1565c0;background:#e3f2fd;padding:4px 8px;margin-bottom:6px;
 font-size:14px;line-height:1.6;max-height:30vh;overflow:auto;position:relative}
.info .ih{font-size:12px;color:#0d47a1;font-weight:bold;padding-right:20px}
.info .ib{white-space:pre-wrap}
.info .x{position:absolute;top:2px;right:4px;border:0;background:none;font-size:16px;
 cursor:pointer}
.text{font-size:14px;line-height:1.6;max-height:86vh;overflow:auto;position:relative}
.tb{border-left:3px solid #ddd;padding:2px 8px;margin:4px 0;cursor:pointer}
.tb.on{background:#fff3c4}
.tb.sel{outline:2px solid #1565c0;background:#e3f2fd}
.badge{color:#fff;border-radius:3px;padding:0 5px;font-size:11px;margin-right:4px}
.type{font-size:11px;font-weight:bold}
.bid,.conf{font-size:10px;color:#888}
mark{background:#ffcdd2;color:#b71c1c}
.note{color:#b71c1c;font-size:13px}
"""

JS = r"""
(function(){
'use strict';
function q(sel,root){return Array.prototype.slice.call((root||document).querySelectorAll(sel));}
function sel(attr,val){return '['+attr+'="'+CSS.escape(val)+'"]';}
function light(attr,val,on){if(!val)return;
 q(sel(attr,val)).forEach(function(e){e.classList.toggle('on',on);});}
function show(info,head,body){
 info.hidden=false;info.querySelector('.ih').textContent=head;
 info.querySelector('.ib').replaceChildren(body);}
function section(e){return e.closest('section.page');}
function textBlock(sec,id){return sec&&sec.querySelector('.tb'+sel('data-block',id));}
function region(sec,id){return sec&&sec.querySelector('.blk'+sel('data-block',id));}
// Keep a block's text in view in the text panel (not the window) while pointing at it.
function follow(tb){
 var panel=tb&&tb.closest('.text');if(!panel)return;
 var top=tb.offsetTop,bottom=top+tb.offsetHeight;
 if(top<panel.scrollTop||bottom>panel.scrollTop+panel.clientHeight){
  panel.scrollTop=Math.max(0,top-panel.clientHeight/3);}}
// Bring a region into the image viewport when it is zoomed.
function reveal(reg){
 var vp=reg&&reg.closest('.vp');if(!vp)return;
 var b=reg.getBoundingClientRect(),v=vp.getBoundingClientRect();
 vp.scrollLeft+=b.left-v.left-(v.width-b.width)/2;
 vp.scrollTop+=b.top-v.top-(v.height-b.height)/2;}
function clearSel(){q('.sel').forEach(function(e){e.classList.remove('sel');});}
function pick(sec,id){
 var tb=textBlock(sec,id),reg=region(sec,id);
 clearSel();
 q(sel('data-block',id),sec).forEach(function(e){e.classList.add('sel');});
 var info=sec.querySelector('.info');
 if(tb){
  var head=(tb.dataset.num?'#'+tb.dataset.num+' ':'')+tb.dataset.type+' '+tb.dataset.id+
   ' \u00b7 confidence '+tb.dataset.conf+' \u00b7 lowest character '+tb.dataset.min+
   (tb.dataset.article?' \u00b7 article '+tb.dataset.article:'');
  show(info,head,tb.querySelector('.lines').cloneNode(true));follow(tb);
 }else if(reg){
  show(info,reg.dataset.type+' '+reg.dataset.id+' (no text)',document.createTextNode(''));}
 if(reg)reveal(reg);}
q('section.page').forEach(function(sec){
 q('[data-block]',sec).forEach(function(e){
  var id=e.dataset.block;
  e.addEventListener('mouseenter',function(){light('data-block',id,true);
   if(!e.classList.contains('tb'))follow(textBlock(sec,id));});
  e.addEventListener('mouseleave',function(){light('data-block',id,false);});
  e.addEventListener('click',function(){pick(sec,id);});});
 var x=sec.querySelector('.info .x');
 x.addEventListener('click',function(){x.closest('.info').hidden=true;clearSel();});
 var nums=sec.querySelector('input.nums');
 nums.addEventListener('change',function(){sec.classList.toggle('nonum',!nums.checked);});
 zoomable(sec);});
q('tr[data-article]').forEach(function(tr){
 var id=tr.dataset.article;
 tr.addEventListener('mouseenter',function(){light('data-article',id,true);});
 tr.addEventListener('mouseleave',function(){light('data-article',id,false);});
 tr.addEventListener('click',function(){
  clearSel();tr.classList.add('sel');
  q('.blk'+sel('data-article',id)).forEach(function(e){e.classList.add('sel');});
  var body=document.createElement('div');body.textContent=tr.dataset.text;
  show(document.getElementById('artinfo'),tr.dataset.title+' \u00b7 '+id+' \u00b7 pages '+
   tr.dataset.pages+' \u00b7 confidence '+tr.dataset.conf,body);
  var first=q('.blk'+sel('data-article',id))[0];
  if(first){section(first).scrollIntoView({block:'start'});reveal(first);}});});
q('#artinfo .x').forEach(function(x){x.addEventListener('click',function(){
 x.closest('.info').hidden=true;clearSel();});});
// Zoom (buttons, Ctrl/Cmd + wheel or pinch, double-click) up to the scan's own pixels or
// 4x, whichever is more; drag to pan. The SVG is laid out at the zoomed size so the
// browser draws it sharp, and the viewport scrolls.
function zoomable(sec){
 var vp=sec.querySelector('.vp'),svg=vp.querySelector('svg'),label=sec.querySelector('.zl');
 var native=parseFloat(vp.dataset.scanWidth)||0,z=1,drag=null,moved=false;
 function fit(){return Math.max(50,vp.clientWidth);}
 function most(){return Math.max(4,native/fit());}
 function set(nz,cx,cy){
  nz=Math.min(most(),Math.max(1,nz));
  if(cx===undefined){cx=vp.clientWidth/2;cy=vp.clientHeight/2;}
  var px=(vp.scrollLeft+cx)/z,py=(vp.scrollTop+cy)/z;
  z=nz;svg.style.width=(fit()*z)+'px';
  vp.scrollLeft=px*z-cx;vp.scrollTop=py*z-cy;
  label.textContent=Math.round(z*100)+'%';}
 function at(e){var r=vp.getBoundingClientRect();return [e.clientX-r.left,e.clientY-r.top];}
 q('button[data-zoom]',sec).forEach(function(b){b.addEventListener('click',function(){
  var k=b.dataset.zoom;
  if(k==='in')set(z*1.5);else if(k==='out')set(z/1.5);
  else if(k==='fit')set(1);else if(k==='native')set(native/fit());});});
 vp.addEventListener('wheel',function(e){
  if(!e.ctrlKey&&!e.metaKey)return;
  e.preventDefault();var p=at(e);set(z*Math.pow(1.002,-e.deltaY),p[0],p[1]);},{passive:false});
 vp.addEventListener('dblclick',function(e){e.preventDefault();var p=at(e);
  set(e.shiftKey?z/2:z*2,p[0],p[1]);});
 vp.addEventListener('pointerdown',function(e){if(e.button!==0)return;
  drag={x:e.clientX,y:e.clientY,l:vp.scrollLeft,t:vp.scrollTop};moved=false;});
 window.addEventListener('pointermove',function(e){if(!drag)return;
  var dx=e.clientX-drag.x,dy=e.clientY-drag.y;
  if(Math.abs(dx)+Math.abs(dy)>4){moved=true;vp.classList.add('drag');}
  vp.scrollLeft=drag.l-dx;vp.scrollTop=drag.t-dy;});
 window.addEventListener('pointerup',function(){drag=null;vp.classList.remove('drag');});
 // A drag ends in a click on whatever is under the pointer: swallow it.
 vp.addEventListener('click',function(e){if(moved){e.stopPropagation();moved=false;}},true);
 window.addEventListener('resize',function(){set(z);});
 set(1);}
})();
"""
