"use strict";
/* The what-if panel: exact inference in the page by variable elimination over the network's
   tables (embedded as JSON above), so the reader's questions need no server. Observations
   (given) are evidence; interventions (do) are graph surgery: the set node loses its parents
   and becomes certain. Tables are flat, row-major over (state, parent 1, parent 2, ...). */
(function () {
  var model = JSON.parse(document.getElementById("briefing-model").textContent);
  // Maps keyed by node and state names, which are any text the file gives: "constructor"
  // or "__proto__" must not find Object.prototype's, so maps have no prototype and
  // membership is an own property.
  function dict() { return Object.create(null); }
  function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
  var nodes = dict();
  model.nodes.forEach(function (n) { nodes[n.id] = n; });

  function product(cards) {
    var size = 1;
    for (var i = 0; i < cards.length; i++) { size *= cards[i]; }
    return size;
  }

  function factor(vars, values) {
    return { vars: vars, cards: vars.map(function (v) { return nodes[v].states.length; }),
             values: values };
  }

  // Stride of each of `vars` inside factor f (0 where f does not have it).
  function stridesIn(f, vars) {
    var own = dict(), acc = 1;
    for (var i = f.vars.length - 1; i >= 0; i--) { own[f.vars[i]] = acc; acc *= f.cards[i]; }
    return vars.map(function (v) { return own[v] || 0; });
  }

  // The product of factors a and b, over the union of their variables.
  function multiply(a, b) {
    var vars = a.vars.slice();
    b.vars.forEach(function (v) { if (vars.indexOf(v) < 0) { vars.push(v); } });
    var out = factor(vars, null);
    var n = product(out.cards), values = new Float64Array(n);
    var sa = stridesIn(a, vars), sb = stridesIn(b, vars);
    var digit = new Array(vars.length).fill(0), ia = 0, ib = 0;
    for (var i = 0; i < n; i++) {
      values[i] = a.values[ia] * b.values[ib];
      for (var k = vars.length - 1; k >= 0; k--) {
        digit[k]++; ia += sa[k]; ib += sb[k];
        if (digit[k] < out.cards[k]) { break; }
        ia -= sa[k] * out.cards[k]; ib -= sb[k] * out.cards[k]; digit[k] = 0;
      }
    }
    out.values = values;
    return out;
  }

  // Factor f with variable v summed out (state < 0) or fixed at one state (state >= 0).
  function collapse(f, v, state) {
    var k = f.vars.indexOf(v);
    var outer = product(f.cards.slice(0, k)), card = f.cards[k];
    var inner = product(f.cards.slice(k + 1));
    var values = new Float64Array(outer * inner);
    for (var o = 0; o < outer; o++) {
      for (var r = 0; r < inner; r++) {
        var total = 0;
        if (state >= 0) {
          total = f.values[(o * card + state) * inner + r];
        } else {
          for (var j = 0; j < card; j++) { total += f.values[(o * card + j) * inner + r]; }
        }
        values[o * inner + r] = total;
      }
    }
    var vars = f.vars.slice(0, k).concat(f.vars.slice(k + 1));
    return { vars: vars, cards: f.cards.slice(0, k).concat(f.cards.slice(k + 1)),
             values: values };
  }

  function parentsOf(id, doing) { return has(doing, id) ? [] : nodes[id].parents; }

  // Uncertain reports: a weight per state of a node, the evidence log's and the reader's
  // (`reported`, set in update: k for the state a report suggests, 1 for the others)
  // multiplied, applied unless the reader observes or sets the node.
  var reported = dict();  // node -> the state a reader's report suggests, and its odds
  // whether the evidence log's reports apply: Clear all clears them with the observations,
  // so the figures are the original forecast (`s.at(s.file.as_of)`)
  var useLog = true;
  function soft(given, doing) {
    var out = dict(), all = useLog ? model.likelihood || dict() : dict();
    Object.keys(all).concat(Object.keys(reported)).forEach(function (id) {
      if (has(given, id) || has(doing, id) || has(out, id)) { return; }
      var log = has(all, id) ? all[id] : null, own = has(reported, id) ? reported[id] : null;
      out[id] = nodes[id].states.map(function (s, i) {
        return (log ? log[i] : 1) * (own && own.state === s ? own.odds : 1);
      });
    });
    return out;
  }

  // The tables that can matter: ancestors of the target and of the evidence.
  function relevant(target, given, doing) {
    var keep = dict(), stack = [target].concat(Object.keys(given), Object.keys(soft(given, doing)));
    while (stack.length) {
      var id = stack.pop();
      if (keep[id]) { continue; }
      keep[id] = true;
      parentsOf(id, doing).forEach(function (p) { stack.push(p); });
    }
    return model.nodes.map(function (n) { return n.id; }).filter(function (id) { return keep[id]; });
  }

  function tableOf(id, doing) {
    if (has(doing, id)) {
      var card = nodes[id].states.length, values = new Float64Array(card);
      values[doing[id]] = 1;
      return factor([id], values);
    }
    return factor([id].concat(nodes[id].parents), Float64Array.from(nodes[id].table));
  }

  // Unnormalised P(target, given) under do(doing), over the target's states; given and
  // doing map node ids to state indices. With `target` null, the scalar P(given).
  function eliminate(target, given, doing) {
    var ids = relevant(target === null ? Object.keys(given)[0] : target, given, doing);
    var factors = ids.map(function (id) {
      var f = tableOf(id, doing);
      f.vars.slice().forEach(function (v) { if (has(given, v)) { f = collapse(f, v, given[v]); } });
      return f;
    });
    var weights = soft(given, doing);
    Object.keys(weights).forEach(function (id) {
      if (ids.indexOf(id) >= 0) { factors.push(factor([id], Float64Array.from(weights[id]))); }
    });
    var free = ids.filter(function (id) { return id !== target && !has(given, id); });
    while (free.length) {
      // Greedy order: eliminate the variable whose combined factor is smallest.
      var best = -1, bestSize = Infinity;
      free.forEach(function (v, i) {
        var seen = dict(), size = 1;
        factors.forEach(function (f) {
          if (f.vars.indexOf(v) < 0) { return; }
          f.vars.forEach(function (u, j) { if (!seen[u]) { seen[u] = true; size *= f.cards[j]; } });
        });
        if (size < bestSize) { best = i; bestSize = size; }
      });
      var v = free.splice(best, 1)[0];
      var touching = factors.filter(function (f) { return f.vars.indexOf(v) >= 0; });
      factors = factors.filter(function (f) { return f.vars.indexOf(v) < 0; });
      if (touching.length) { factors.push(collapse(touching.reduce(multiply), v, -1)); }
    }
    var result = factors.reduce(multiply, { vars: [], cards: [], values: new Float64Array([1]) });
    if (target !== null && result.vars.length === 0) {
      return Float64Array.from(nodes[target].states, function () { return result.values[0]; });
    }
    return result.values;
  }

  function indices(assignment) {
    var out = dict();
    Object.keys(assignment).forEach(function (id) {
      var i = nodes[id].states.indexOf(assignment[id]);
      if (i < 0) { throw new Error("unknown state " + assignment[id] + " of " + id); }
      out[id] = i;
    });
    return out;
  }

  /* P(target | given, do(doing)) as an array over the target's states, or null when the
     observations are impossible. given and doing map node ids to state names. */
  function query(target, given, doing) {
    var g = indices(given || {}), d = indices(doing || {});
    var states = nodes[target].states;
    if (Object.keys(g).length && !(eliminate(null, g, d)[0] > 0)) { return null; }
    if (has(g, target) || has(d, target)) {
      var fixed = has(g, target) ? g[target] : d[target];
      return states.map(function (s, i) { return i === fixed ? 1 : 0; });
    }
    var joint = eliminate(target, g, d), total = 0, i;
    for (i = 0; i < joint.length; i++) { total += joint[i]; }
    if (!(total > 0)) { return null; }
    return Array.prototype.map.call(joint, function (x) { return x / total; });
  }

  window.scenarioBriefing = { query: query, percents: percents };

  // Formatting as in model/report_format.py: the states of a distribution are rounded by
  // largest remainder, so that they add up to 100; ties go to the earlier state.
  function shares(ps) {
    var scaled = ps.map(function (p) { return p * 100; });
    var whole = scaled.map(function (x) { return Math.floor(x + 1e-9); });
    var total = 0, sum = 0, i;
    for (i = 0; i < ps.length; i++) { total += scaled[i]; sum += whole[i]; }
    var rest = scaled.map(function (x, j) { return Math.floor((x - whole[j]) * 1e6 + 0.5); });
    var order = ps.map(function (p, j) { return j; });
    order.sort(function (a, b) { return rest[b] - rest[a] || a - b; });
    var missing = Math.floor(total + 0.5) - sum;
    for (i = 0; i < missing; i++) { whole[order[i]]++; }
    return whole;
  }
  function percents(ps) {
    return shares(ps).map(function (whole, i) {
      if (whole === 0 && ps[i] > 1e-9) { return "<1%"; }
      if (whole === 100 && ps[i] < 1 - 1e-9) { return ">99%"; }
      return whole + "%";
    });
  }
  function points(change) {
    var whole = Math.floor(Math.abs(change) * 100 + 0.5 + 1e-9);
    if (whole === 0) { return "±0"; }
    return (change > 0 ? "+" : "\u2212") + whole;
  }

  var panel = document.getElementById("what-if-panel");
  if (!panel) { return; }
  var selects = Array.prototype.slice.call(panel.querySelectorAll("select[data-node]"));
  // what the page's own figures (the thin marks, the badges' baseline) were made with: a
  // case's briefing preselects what its evidence log observed
  var initial = selects.map(function (sel) {
    var chosen = Array.prototype.filter.call(sel.options, function (o) {
      return o.defaultSelected;
    });
    return chosen.length ? chosen[0].value : "";
  });
  var logReports = model.logReports || [];  // [node, the log's reports on it in words]
  var logged = initial.some(function (v) { return v; }) || logReports.length > 0;
  var rows = Array.prototype.slice.call(panel.querySelectorAll(".panel-row"));
  var status = document.getElementById("panel-status");
  var results = panel.querySelector(".results");

  // A state as the reader sees it (its label in the file, or its name).
  function stateName(id, state) {
    var i = nodes[id].states.indexOf(state);
    return nodes[id].stateLabels ? nodes[id].stateLabels[i] : state;
  }

  function possible(given, doing) {
    var g = indices(given), d = indices(doing);
    return !Object.keys(g).length || eliminate(null, g, d)[0] > 0;
  }

  // The observations that, dropped alone, leave the others possible; all of them when no
  // single one does.
  function culprits(given, doing) {
    var ids = Object.keys(given);
    var single = ids.filter(function (id) {
      var rest = dict();
      ids.forEach(function (other) { if (other !== id) { rest[other] = given[other]; } });
      return possible(rest, doing);
    });
    return { ids: single.length ? single : ids, alone: single.length > 0 };
  }

  var drop = document.getElementById("panel-drop");

  function offerDrops(ids, given) {
    while (drop.firstChild) { drop.removeChild(drop.firstChild); }
    drop.hidden = !ids.length;
    ids.forEach(function (id) {
      var item = document.createElement("li"), button = document.createElement("button");
      button.type = "button";
      button.textContent = "Drop: " + nodes[id].label + " = " + stateName(id, given[id]);
      button.addEventListener("click", function () {
        selects.forEach(function (sel) { if (sel.dataset.node === id) { sel.value = ""; } });
        update();
      });
      item.appendChild(button);
      drop.appendChild(item);
    });
  }

  function describe(given, doing) {
    function list(assignment) {
      return Object.keys(assignment).map(function (id) {
        return nodes[id].label + " = " + stateName(id, assignment[id]);
      }).join("; ");
    }
    var parts = [];
    if (Object.keys(given).length) { parts.push("Seen: " + list(given) + "."); }
    if (Object.keys(doing).length) { parts.push("Set: " + list(doing) + "."); }
    if (Object.keys(reported).length) {
      parts.push("Reported: " + Object.keys(reported).map(function (id) {
        return nodes[id].label + " = " + stateName(id, reported[id].state) + " (" +
          reported[id].odds + " to 1)";
      }).join("; ") + ".");
    }
    return parts.join(" ");
  }

  // What of the evidence log's uncertain reports applies (those on a node the reader
  // observes or sets are replaced), or that the log was cleared.
  function describeLog(given, doing) {
    if (!logged) { return ""; }
    if (!useLog) {
      return "Evidence log cleared: the forecast of " + model.forecastOf + ".";
    }
    var kept = logReports.filter(function (item) {
      return !has(given, item[0]) && !has(doing, item[0]);
    });
    return kept.length ? "The evidence log's reports: " + kept.map(function (item) {
      return item[1];
    }).join("; ") + "." : "";
  }

  function update() {
    var given = dict(), doing = dict();
    reported = dict();
    selects.forEach(function (sel) {
      sel.classList.remove("is-given", "is-do", "is-report");
      if (!sel.value) { return; }
      var cut = sel.value.indexOf(":"), node = sel.dataset.node;
      var kind = sel.value.slice(0, cut), state = sel.value.slice(cut + 1);
      if (kind === "report") {
        var next = state.indexOf(":"), odds = parseFloat(state.slice(0, next));
        state = state.slice(next + 1);
        reported[node] = { state: state, odds: odds };
        sel.classList.add("is-report");
        return;
      }
      (kind === "do" ? doing : given)[node] = state;
      sel.classList.add(kind === "do" ? "is-do" : "is-given");
    });
    var cache = dict(), impossible = false;
    rows.forEach(function (row) {
      var pct = row.querySelector(".panel-pct"), node = pct.dataset.node;
      if (!has(cache, node)) { cache[node] = query(node, given, doing); }
      var dist = cache[node];
      if (dist === null) {
        // No numbers under an impossible question: the last ones would be stale.
        impossible = true;
        pct.textContent = "\u2014";
        delete pct.dataset.p;
        row.querySelector(".panel-delta").textContent = "";
        return;
      }
      var i = nodes[node].states.indexOf(pct.dataset.state), p = dist[i];
      var change = p - parseFloat(pct.dataset.base);
      pct.dataset.p = String(p);
      pct.textContent = percents(dist)[i];
      row.querySelector(".fill").style.width = (p * 100).toFixed(3) + "%";
      // the move between the two figures shown, as the page's own badges count it
      var moved = (shares(dist)[i] - parseInt(pct.dataset.baseWhole, 10)) / 100;
      var delta = row.querySelector(".panel-delta"), text = points(moved);
      // a move is shown once the question differs from the one the page's figures answer
      var differs = (logged && !useLog) ||
        selects.some(function (sel, k) { return sel.value !== initial[k]; });
      delta.textContent = differs ? text : "";
      delta.className = "delta panel-delta delta-" +
        (!differs || text === "±0" ? "flat" : change > 0 ? "up" : "down");
    });
    var asked = [describe(given, doing), describeLog(given, doing)].filter(function (x) {
      return x;
    }).join(" ");
    var asOnPage = logged && useLog &&
      selects.every(function (sel, k) { return sel.value === initial[k]; });
    results.classList.toggle("is-impossible", impossible);
    status.classList.toggle("impossible", impossible);
    var blame = impossible ? culprits(given, doing) : { ids: [], alone: true };
    var which = !blame.alone ? "some of these" : blame.ids.length > 1 ? "one of these" : "this";
    status.textContent = impossible
      ? "These observations cannot happen together in this scenario. " + asked + " Drop " +
        which + " to see the outcomes:"
      : asOnPage ? "As on the page, with the evidence log. " + asked
      : logged && !useLog && !describe(given, doing)
        ? "Nothing observed or set, and the evidence log cleared: the forecast of " +
          model.forecastOf + ". The thin marks and the moves are against the briefing's " +
          "figures, which answer with the log."
      : asked || "Baseline: nothing observed or set.";
    offerDrops(blame.ids, given);
  }

  panel.addEventListener("change", update);
  // A case's briefing starts from its evidence log (its observations preselected).
  if (logged) { update(); }
  panel.querySelector("button.reset").addEventListener("click", function () {
    selects.forEach(function (sel) { sel.value = ""; });
    useLog = false;
    update();
  });
  var restore = panel.querySelector("button.restore");
  if (restore) {
    restore.addEventListener("click", function () {
      selects.forEach(function (sel, k) { sel.value = initial[k]; });
      useLog = true;
      update();
    });
  }
})();
