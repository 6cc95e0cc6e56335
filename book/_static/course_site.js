// Course website: each figure is a link to its image at full size, so that a
// diagram shrunk to a phone's width can still be read.
document.addEventListener("DOMContentLoaded", () => {
  for (const image of document.querySelectorAll("figure img")) {
    if (image.closest("a")) continue;
    const link = document.createElement("a");
    link.href = image.getAttribute("src");
    link.className = "figure-full-size";
    link.title = "Open the figure at full size";
    image.replaceWith(link);
    link.appendChild(image);
  }
});

// Search results are written into the page after MathJax has run, with the
// pages' TeX as plain text, and a summary is cut at a fixed length, sometimes
// inside a formula. Cut summaries at whole formulas and typeset each result.
const TEX_DELIMITER = /\\[()[\]]/g;

function wholeFormulasOnly(text) {
  const delimiters = [...text.matchAll(TEX_DELIMITER)];
  if (delimiters.length && /[)\]]/.test(delimiters[0][0][1])) {
    text = "..." + text.slice(delimiters[0].index + 2);  // starts inside a formula
  }
  const last = [...text.matchAll(TEX_DELIMITER)].pop();
  if (last && /[([]/.test(last[0][1])) {
    text = text.slice(0, last.index) + "...";  // ends inside a formula
  }
  return text;
}

function typeset(element) {
  // Sphinx's MathJax settings only look inside elements of these classes.
  element.classList.add("mathjax_process");
  if (window.MathJax && MathJax.startup) {
    MathJax.startup.promise.then(() => MathJax.typesetPromise([element]));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const results = document.getElementById("search-results");
  if (!results) return;
  new MutationObserver(mutations => {
    for (const mutation of mutations) {
      for (const node of mutation.addedNodes) {
        if (node.nodeType !== 1 || node.closest("mjx-container")) continue;
        for (const summary of node.matches("p.context") ? [node] : node.querySelectorAll("p.context")) {
          summary.textContent = wholeFormulasOnly(summary.textContent);
        }
        if (node.matches("li, p.context")) typeset(node);
      }
    }
  }).observe(results, { childList: true, subtree: true });
});
