// An init script for the browser tests (page.add_init_script(path=...): it runs before the
// app, outside the page's Content-Security-Policy). It records what the interviewer's voice
// does: every media event of an <audio> element (with its URL and time), and every text the
// app gives the browser's speech synthesis, which it replaces by a stub that "speaks" for
// window.__speechMs milliseconds (1.5 s by default): headless Chromium has no voice.
(() => {
  const media = [];
  const spoken = [];
  window.__media = media;
  window.__spoken = spoken;
  for (const name of ["play", "playing", "ended", "error", "pause"]) {
    document.addEventListener(name, (event) => {
      const el = event.target;
      if (el instanceof HTMLAudioElement) media.push({ event: name, src: el.currentSrc || el.src || "", at: performance.now() });
    }, true);
  }
  let timers = [];
  let current = null;
  const stub = {
    speaking: false,
    pending: false,
    paused: false,
    onvoiceschanged: null,
    getVoices: () => [],
    speak(utterance) {
      const entry = { text: utterance.text, at: performance.now(), ended: null };
      spoken.push(entry);
      current = utterance;
      stub.speaking = true;
      timers.push(setTimeout(() => {
        if (utterance.onstart) utterance.onstart(new Event("start"));
        timers.push(setTimeout(() => {
          stub.speaking = false;
          entry.ended = performance.now();
          current = null;
          if (utterance.onend) utterance.onend(new Event("end"));
        }, window.__speechMs === undefined ? 1500 : window.__speechMs));
      }, 20));
    },
    cancel() {
      for (const t of timers) clearTimeout(t);
      timers = [];
      stub.speaking = false;
      if (current && current.onerror) current.onerror(new Event("error"));
      current = null;
    },
    pause() {},
    resume() {},
    addEventListener() {},
    removeEventListener() {},
  };
  Object.defineProperty(window, "speechSynthesis", { value: stub, configurable: true });
})();
