// Elements wider than the viewport, or reaching past its right edge, as
// short CSS paths; the outermost of each nest only (a wide div's children
// are wide because it is). An element inside a container that clips or
// scrolls horizontally (a table in an `overflow-x: auto` wrapper) is fine:
// the container is what is checked. html and body do not count as such a
// container: content they cut off is lost to the reader.
(() => {
  const root = document.documentElement;
  const vw = root.clientWidth;
  const sx = window.scrollX;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body && p !== root; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const step = (el) => {
    if (el.id) return '#' + CSS.escape(el.id);
    let s = el.localName;
    for (const c of el.classList) s += '.' + CSS.escape(c);
    const parent = el.parentElement;
    if (parent) {
      const same = Array.from(parent.children).filter((c) => c.localName === el.localName);
      if (same.length > 1) s += ':nth-of-type(' + (same.indexOf(el) + 1) + ')';
    }
    return s;
  };
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== root; e = e.parentElement) {
      parts.unshift(step(e));
      if (e.id) break;
    }
    return parts.join(' > ');
  };
  const found = [];
  const reported = [];
  const all = document.body ? document.body.querySelectorAll('*') : [];
  for (const el of all) {
    if (reported.some((r) => r.contains(el))) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if ((box.width > vw + 0.5 || box.right + sx > vw + 0.5) && !clipped(el)) {
      reported.push(el);
      found.push(path(el));
    }
  }
  if (found.length === 0 && root.scrollWidth > vw) {
    found.push('html (scrolls to ' + root.scrollWidth + ' px)');
  }
  return found;
})()
