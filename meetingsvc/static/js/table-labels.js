// On a phone, tables are read row by row as label: value (app.css). Templates label the
// cells of their main tables; here every other table cell takes its column's heading, so
// no phone shows a bare "1" or "10" without saying what it counts.
for (const table of document.querySelectorAll("table.table")) {
  const headings = [];
  for (const th of table.querySelectorAll("thead tr:last-child th")) {
    const text = th.textContent.trim();
    for (let span = 0; span < (th.colSpan || 1); span += 1) headings.push(text);
  }
  if (!headings.some(Boolean)) continue;
  for (const row of table.querySelectorAll("tbody tr")) {
    let column = 0;
    for (const cell of row.children) {
      const heading = headings[column];
      if (cell.tagName === "TD" && heading && !cell.hasAttribute("data-label")) {
        cell.setAttribute("data-label", heading);
      }
      column += cell.colSpan || 1;
    }
  }
}
