/* a11ykit read-along: highlight the sentence being narrated.
 *
 * Progressive enhancement: without this script the page, the audio player, its
 * captions and chapters and the download links all work. With it, the sentence
 * of the active caption cue gets the class "a11y-current" (a visual highlight
 * only: no ARIA, so screen readers are not interrupted). A long sentence has
 * several cues: the first has the sentence's id, the next "<id>.2", "<id>.3"…
 *
 * It also lists the chapters (the chapters track: one cue per heading) as buttons in the
 * player's <nav class="a11y-chapters">: each seeks to its chapter, and the chapter being
 * read is marked aria-current. Browsers offer no chapter menu of their own.
 */
(function () {
  "use strict";

  var CURRENT = "a11y-current";

  function captionsTrack(audio) {
    for (var i = 0; i < audio.textTracks.length; i++) {
      if (audio.textTracks[i].kind === "captions") {
        return audio.textTracks[i];
      }
    }
    return null;
  }

  function trackOfKind(audio, kind) {
    var elements = audio.querySelectorAll("track");
    for (var i = 0; i < elements.length; i++) {
      if (elements[i].kind === kind) {
        return elements[i];
      }
    }
    return null;
  }

  // One button per chapter cue, made once the chapters track has loaded.
  function listChapters(audio) {
    var nav = audio.parentNode && audio.parentNode.querySelector
      ? audio.parentNode.querySelector(".a11y-chapters")
      : null;
    var element = nav ? trackOfKind(audio, "chapters") : null;
    if (!element || !element.track) {
      return;
    }
    var track = element.track;
    var buttons = [];

    function build() {
      if (buttons.length || !track.cues || !track.cues.length) {
        return;
      }
      var list = document.createElement("ol");
      for (var i = 0; i < track.cues.length; i++) {
        var cue = track.cues[i];
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "a11y-chapter";
        button.textContent = cue.text;
        button.setAttribute("data-cue", cue.id);
        // A millisecond in: media time is kept in microseconds, and 16.13 s may come back as
        // 16.129999, before the chapter's first caption cue (no sentence would be highlighted).
        button.addEventListener("click", seekTo(cue.startTime + 0.001));
        item.appendChild(button);
        list.appendChild(item);
        buttons.push(button);
      }
      nav.appendChild(list);
      nav.hidden = false;
      mark();
    }

    function seekTo(time) {
      return function () {
        audio.currentTime = time;
      };
    }

    function mark() {
      // At a boundary the chapter ending and the one starting are both active: the later one counts.
      var cues = track.activeCues;
      var active = cues && cues.length ? cues[cues.length - 1].id : null;
      for (var i = 0; i < buttons.length; i++) {
        if (buttons[i].getAttribute("data-cue") === active) {
          buttons[i].setAttribute("aria-current", "true");
        } else {
          buttons[i].removeAttribute("aria-current");
        }
      }
    }

    // "hidden": the cues load and cuechange fires, nothing is drawn (browsers leave chapters disabled).
    track.mode = "hidden";
    element.addEventListener("load", build);
    track.addEventListener("cuechange", mark);
    audio.addEventListener("seeked", mark);
    build();
  }

  function inView(element) {
    var box = element.getBoundingClientRect();
    var height = window.innerHeight || document.documentElement.clientHeight;
    return box.bottom > 0 && box.top < height;
  }

  function init() {
    var audio = document.getElementById("a11y-audio");
    if (!audio || !audio.textTracks || !document.documentElement.classList) {
      return;
    }
    listChapters(audio);
    var track = captionsTrack(audio);
    if (!track) {
      return;
    }
    // "hidden": cues load and cuechange fires (also after a seek) but nothing is drawn.
    track.mode = "hidden";
    var reduceMotion = window.matchMedia
      ? window.matchMedia("(prefers-reduced-motion: reduce)")
      : null;
    var current = null;

    // The sentence of a cue: the element with the cue's id, else the one before ".N".
    function sentenceOf(id) {
      var element = id ? document.getElementById(id) : null;
      var part = id ? /^(.+)\.\d+$/.exec(id) : null;
      if (!element && part) {
        element = document.getElementById(part[1]);
      }
      return element;
    }

    function highlight(id) {
      var element = sentenceOf(id);
      if (element && !element.classList.contains("a11y-s")) {
        element = null;
      }
      if (element === current) {
        return;
      }
      // Follow the narration only if the reader was following it (the old sentence was visible).
      var follow = current !== null && !audio.paused && inView(current);
      var stale = document.querySelectorAll("." + CURRENT);
      for (var i = 0; i < stale.length; i++) {
        stale[i].classList.remove(CURRENT);
      }
      current = element;
      if (element) {
        element.classList.add(CURRENT);
        if (follow && !inView(element)) {
          element.scrollIntoView({
            block: "center",
            behavior: reduceMotion && reduceMotion.matches ? "auto" : "smooth"
          });
        }
      }
    }

    function update() {
      var cues = track.activeCues;
      highlight(cues && cues.length ? cues[cues.length - 1].id : null);
    }

    track.addEventListener("cuechange", update);
    audio.addEventListener("seeked", update);
    audio.addEventListener("ended", function () {
      highlight(null);
    });

    // While the narration plays, clicking a sentence (not a link, not a text selection) jumps there.
    document.addEventListener("click", function (event) {
      if (audio.paused || !event.target.closest || !track.cues) {
        return;
      }
      var selection = window.getSelection ? window.getSelection() : null;
      if (selection && !selection.isCollapsed) {
        return;
      }
      if (event.target.closest("a, button, input, select, textarea, audio, video")) {
        return;
      }
      var sentence = event.target.closest(".a11y-s");
      var cue = sentence ? track.cues.getCueById(sentence.id) : null;
      if (cue) {
        audio.currentTime = cue.startTime;
      }
    });

    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
