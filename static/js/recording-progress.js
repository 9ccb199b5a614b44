// The conversion of an uploaded recording, kept current on the page: while the server
// says "converting", ask its progress route every second and show the percent; when it
// is published or failed, show that and stop. The state lives on the server (database
// and job queue), so a reload picks it up again. Without this script the page shows the
// percent at load time and a link that reloads.
const POLL_MS = 1000;

const box = document.getElementById("publication");
if (box && box.dataset.state === "converting") {
  const part = (role) => box.querySelector(`[data-role="${role}"]`);

  const show = (status) => {
    box.dataset.state = status.state || "";
    part("label").textContent = status.label;
    part("bar").value = status.percent;
    part("bar").textContent = `${status.percent} %`;
    part("percent").textContent = `${status.percent} %`;
    part("converting").hidden = status.state !== "converting";
    part("watch").hidden = status.state !== "published";
    part("error").hidden = !status.error;
    part("error").textContent = status.error || "";
  };

  const poll = async () => {
    try {
      const answer = await fetch(box.dataset.progressUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (answer.ok) {
        const status = await answer.json();
        show(status);
        if (status.state !== "converting") return;
      }
    } catch (error) {
      // A lost connection: try again at the next tick.
    }
    setTimeout(poll, POLL_MS);
  };
  setTimeout(poll, POLL_MS);
}

const input = document.getElementById("recording-file");
if (input) {
  const note = document.getElementById("recording-file-error");
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    const tooLarge = file && file.size > Number(input.dataset.maxBytes);
    const message = tooLarge ? input.dataset.msgTooLarge : "";
    input.setCustomValidity(message);
    note.textContent = message;
    note.hidden = !message;
  });
}
