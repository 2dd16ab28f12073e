// The relationship map's interactions on top of the server-drawn SVG: drag a person onto their new manager
// (editors only; the server checks everything again and answers with a message), drag the background to pan,
// and zoom buttons. Without this script the chart, the table and the form under it still work.
(function () {
  "use strict";

  var ZOOM_STEP = 1.25;
  var DRAG_THRESHOLD = 4; // pixels before a press becomes a drag, so a click stays a click

  function canvas() {
    return document.getElementById("relationship-map");
  }

  function svgOf(box) {
    return box ? box.querySelector("svg") : null;
  }

  function csrfToken() {
    // base.html hands htmx the token in hx-headers; the change form carries it too.
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function say(text, isError) {
    var status = document.getElementById("rm-status");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("rm-error", Boolean(isError));
  }

  // --- zoom: scale the drawing's size; its viewBox keeps every coordinate as drawn ----------------------------

  function zoom(how) {
    var svg = svgOf(canvas());
    if (!svg) return;
    var baseWidth = Number(svg.viewBox.baseVal.width);
    var baseHeight = Number(svg.viewBox.baseVal.height);
    var factor = Number(svg.dataset.zoom || 1);
    if (how === "in") factor *= ZOOM_STEP;
    else if (how === "out") factor /= ZOOM_STEP;
    else if (how === "reset") factor = Math.min(1, canvas().clientWidth / baseWidth);
    factor = Math.max(0.2, Math.min(3, factor));
    svg.dataset.zoom = String(factor);
    svg.setAttribute("width", String(Math.round(baseWidth * factor)));
    svg.setAttribute("height", String(Math.round(baseHeight * factor)));
  }

  // --- drag a person onto a manager, or the background to pan -------------------------------------------------

  var gesture = null;

  function nodeAt(x, y, except) {
    var hits = document.elementsFromPoint(x, y);
    for (var i = 0; i < hits.length; i += 1) {
      var node = hits[i].closest ? hits[i].closest(".rm-node") : null;
      if (node && node !== except) return node;
    }
    return null;
  }

  function onPointerDown(event) {
    var box = canvas();
    // Only presses on the drawing itself: the canvas's own scroll bars keep working as usual.
    if (!box || event.button !== 0 || !box.contains(event.target) || event.target === box) return;
    var node = event.target.closest(".rm-node");
    var draggable = node && node.dataset.editable === "true" && box.dataset.reportsToUrl;
    gesture = {
      kind: draggable ? "drag" : "pan",
      node: draggable ? node : null,
      startX: event.clientX,
      startY: event.clientY,
      scrollLeft: box.scrollLeft,
      scrollTop: box.scrollTop,
      moved: false,
      target: null,
      transform: draggable ? node.getAttribute("transform") : null,
    };
    if (gesture.kind === "pan") box.classList.add("rm-panning");
    event.preventDefault();
  }

  function onPointerMove(event) {
    if (!gesture) return;
    var dx = event.clientX - gesture.startX;
    var dy = event.clientY - gesture.startY;
    if (!gesture.moved && Math.abs(dx) + Math.abs(dy) < DRAG_THRESHOLD) return;
    gesture.moved = true;
    var box = canvas();
    if (gesture.kind === "pan") {
      box.scrollLeft = gesture.scrollLeft - dx;
      box.scrollTop = gesture.scrollTop - dy;
      return;
    }
    var scale = Number(svgOf(box).dataset.zoom || 1);
    gesture.node.classList.add("rm-dragging");
    gesture.node.setAttribute("transform", gesture.transform + " translate(" + dx / scale + "," + dy / scale + ")");
    var target = nodeAt(event.clientX, event.clientY, gesture.node);
    if (target && target.dataset.editable !== "true") target = null;
    if (gesture.target && gesture.target !== target) gesture.target.classList.remove("rm-target");
    if (target) target.classList.add("rm-target");
    gesture.target = target;
  }

  function onPointerUp() {
    if (!gesture) return;
    var done = gesture;
    gesture = null;
    var box = canvas();
    if (box) box.classList.remove("rm-panning");
    if (done.kind !== "drag") return;
    done.node.classList.remove("rm-dragging");
    done.node.setAttribute("transform", done.transform);
    if (done.target) {
      done.target.classList.remove("rm-target");
      setReportsTo(done.node, done.target);
    }
  }

  function setReportsTo(node, manager) {
    var box = canvas();
    var body = new FormData();
    body.append("contact", node.dataset.contactId);
    body.append("reports_to", manager.dataset.contactId);
    say("Saving: " + node.dataset.name + " reports to " + manager.dataset.name + "…", false);
    fetch(box.dataset.reportsToUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          return { ok: response.ok, answer: answer };
        });
      })
      .then(function (result) {
        if (!result.ok) {
          var details = (result.answer.errors || []).map(function (error) { return error.message; });
          say([result.answer.detail].concat(details).join(" "), true);
          return;
        }
        return refresh().then(function () { say(result.answer.detail, false); });
      })
      .catch(function () {
        say("The change could not be saved; check your connection and try again.", true);
      });
  }

  // The server lays the chart out again; take the new drawing, table and form from a fresh copy of the page.
  function refresh() {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var zoomed = svgOf(canvas()) && svgOf(canvas()).dataset.zoom;
        ["relationship-map", "people-heading", "reporting-heading"].forEach(function (id) {
          var mine = document.getElementById(id);
          var theirs = fresh.getElementById(id);
          if (!mine || !theirs) return;
          var section = id === "relationship-map" ? [mine, theirs] : [mine.closest("section"), theirs.closest("section")];
          if (section[0] && section[1]) section[0].replaceWith(document.importNode(section[1], true));
        });
        if (zoomed) {
          svgOf(canvas()).dataset.zoom = zoomed;
          zoom("same");
        }
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!canvas()) return;
    document.documentElement.classList.add("rm-ready");
    document.addEventListener("pointerdown", onPointerDown);
    document.addEventListener("pointermove", onPointerMove);
    document.addEventListener("pointerup", onPointerUp);
    document.addEventListener("pointercancel", onPointerUp);
    document.querySelectorAll("[data-rm-zoom]").forEach(function (button) {
      button.addEventListener("click", function () { zoom(button.dataset.rmZoom); });
    });
  });
})();
