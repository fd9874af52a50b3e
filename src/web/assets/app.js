// The butler's web page: a hash-routed single page over /web/api (no framework, nothing from the internet).
// Pages: #/repo/NAME, #/search/NAME?…, #/dataset/NAME/ID, #/image/NAME/ID?…, #/sky/NAME?…, each a module.

import { accessNotice, forgetToken, tokenOf } from "./auth.js";
import { datasetPage } from "./dataset.js";
import { h } from "./dom.js";
import { imagePage } from "./image.js";
import {
  errorBox,
  forgetButton,
  getJson,
  link,
  main,
  onFailure,
  parseHash,
  repoChoice,
  show,
} from "./page.js";
import { repositoryPage } from "./repository.js";
import { searchPage } from "./search.js";
import { skyPage } from "./sky.js";

let repositories = [];

async function route() {
  const { page, repo: named, id, params } = parseHash();
  const repo = named ?? repositories[0];
  if (repo === undefined) {
    show("No repository is served here");
    return;
  }
  repoChoice.value = repo;
  forgetButton.hidden = tokenOf(repo) === undefined;
  document.getElementById("nav-repo").href = link("repo", repo);
  document.getElementById("nav-search").href = link("search", repo);
  document.getElementById("nav-sky").href = link("sky", repo);
  try {
    if (page === "search") await searchPage(repo, params);
    else if (page === "dataset" && id) await datasetPage(repo, id);
    else if (page === "image" && id) await imagePage(repo, id, params);
    else if (page === "sky") await skyPage(repo, params);
    else await repositoryPage(repo);
  } catch (err) {
    if (err.isAccess) showAccess(err, repo);
    else show("Error", errorBox(err));
  }
  main.dataset.ready = location.hash;
}

/** The token field or the refusal in place of the page the server would not show. */
function showAccess(err, repo) {
  const notice = accessNotice(repo, err, route);
  show(notice.title, ...notice.content);
  forgetButton.hidden = tokenOf(repo) === undefined;
}

async function start() {
  // A failure outside rendering (a download, a reloaded preview): the refusal page, else an alert.
  onFailure((err) => {
    if (err.isAccess) showAccess(err, err.repo ?? parseHash().repo ?? repositories[0]);
    else main.prepend(errorBox(err));
  });
  repositories = (await getJson("/web/api/repositories")).repositories;
  repoChoice.replaceChildren(...repositories.map((r) => h("option", { value: r }, r)));
  forgetButton.addEventListener("click", () => {
    forgetToken(repoChoice.value);
    route();
  });
  repoChoice.addEventListener("change", () => {
    location.hash = link("repo", repoChoice.value);
  });
  window.addEventListener("hashchange", route);
  await route();
}

start();
