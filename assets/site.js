// Fills in the reader's access date in "How to cite this entry". Without
// scripts the page says "[date of access]", which is still correct.
(function () {
  var el = document.getElementById("access-date");
  if (!el) return;
  var d = new Date();
  var months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  el.textContent = d.getDate() + " " + months[d.getMonth()] + " " + d.getFullYear();
  el.setAttribute("datetime", d.toISOString().slice(0, 10));
})();
