(function(){
  var data = JSON.parse(document.getElementById('sources').textContent);
  var panel = document.getElementById('panel'), body = document.getElementById('panel-body');
  var current = null;
  function text(tag, s){var e=document.createElement(tag); e.textContent=s; return e;}
  function show(el){
    var rec = data[el.getAttribute('data-src')]; if(!rec) return;
    if(current) current.classList.remove('sel'); current = el; el.classList.add('sel');
    body.textContent = '';
    body.appendChild(text('h4', rec.what + ' = ' + rec.value));
    var s = rec.source;
    if(!s){ body.appendChild(text('p', 'No source.')); }
    else {
      body.appendChild(text('p', 'Source: ' + s.kind + (s.file ? ' \u2014 ' + (s.label ? s.label.replace(/^seed /, '') : s.file) : '') + (s.date ? ' (' + s.date + ')' : '')));
      if(s.quote) body.appendChild(text('blockquote', s.quote));
      if(s.row) body.appendChild(text('p', 'Row: ' + s.row));
      if(s.reason) body.appendChild(text('p', 'Coded judgement: ' + s.reason));
      if(s.evidence) body.appendChild(text('p', 'Evidence: ' + s.evidence));
      if(s.attributed_to) body.appendChild(text('p', 'Attributed to: ' + s.attributed_to));
      if(s.low !== null && s.low !== undefined) body.appendChild(text('p', 'Range: ' + s.low + ' \u2013 ' + s.high));
      if(s.url) body.appendChild(text('p', 'URL: ' + s.url));
    }
    panel.classList.add('open');
  }
  document.addEventListener('click', function(ev){
    var el = ev.target.closest ? ev.target.closest('.v') : null;
    if(el) show(el);
  });
  document.getElementById('panel-close').addEventListener('click', function(){
    panel.classList.remove('open'); if(current) current.classList.remove('sel');
  });
  // a printout shows every chart: the folded ones open before printing
  window.addEventListener('beforeprint', function(){
    document.querySelectorAll('details.charts').forEach(function(d){ d.open = true; });
  });
})();
