// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
  // Dates: the markup carries UTC (also on hover); show them in the reader's own time zone.
  const local = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    hour12: false, timeZoneName: "short",
  });
  const show = (moment) => {
    const part = Object.fromEntries(local.formatToParts(moment).map((p) => [p.type, p.value]));
    const hour = part.hour === "24" ? "00" : part.hour;
    return `${part.year}-${part.month}-${part.day} ${hour}:${part.minute} ${part.timeZoneName}`;
  };
  document.querySelectorAll("time.when[datetime]").forEach((el) => {
    const moment = new Date(el.getAttribute("datetime"));
    if (!Number.isNaN(moment.getTime())) el.textContent = show(moment);
  });
  // Navigation menus: opening one closes the others.
  const menus = document.querySelectorAll(".nav details");
  menus.forEach((menu) => {
    menu.addEventListener("toggle", () => {
      if (menu.open) menus.forEach((other) => { if (other !== menu) other.open = false; });
    });
  });
});
