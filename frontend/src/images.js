// Photos: lazy, with their size set, and a neutral placeholder when they can't load; the photos in
// view on the first page fetched first, before the idle prefetch of the rest of the site.
import $ from "jquery/slim";

const PLACEHOLDER_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 200">' +
  '<rect width="300" height="200" fill="#e9ecef"/>' +
  '<path d="M105 135l30-38 22 26 15-18 23 30z" fill="#adb5bd"/>' +
  '<circle cx="185" cy="78" r="12" fill="#adb5bd"/></svg>';
export const PLACEHOLDER_SRC = `data:image/svg+xml,${encodeURIComponent(PLACEHOLDER_SVG)}`;

function isWebUrl(url) {
  return typeof url === "string" && /^(https?:\/\/|\/)/i.test(url);
}

/** Whether every URL of a `srcset` is a web address (the API's are; anything else is not used). */
function isWebSrcset(srcset) {
  return Boolean(srcset) && srcset.split(", ").every((candidate) => isWebUrl(candidate.split(" ")[0]));
}

function useplaceholder(img) {
  // In a <picture>, a <source> or srcset would still win over src: they go first.
  $(img).siblings("source").remove();
  $(img).off("error").removeAttr("srcset sizes").attr("src", PLACEHOLDER_SRC).addClass("photo-missing");
}

/**
 * An <img> element for a photo (in a <picture> when `sources` are given, e.g. WebP beside JPEG);
 * `lazy` unless it is shown at once (e.g. in a dialog). Returns the outermost element.
 */
export function photoImage({ src, alt, width, height, className, lazy = true, srcset = "", sizes = "", sources = [] }) {
  const $img = $("<img>").attr({ alt, width, height, decoding: "async" });
  if (className) {
    $img.addClass(className);
  }
  if (lazy) {
    $img.attr("loading", "lazy");
  }
  const usable = sources.filter((source) => isWebSrcset(source.srcset));
  if (!usable.length && !isWebSrcset(srcset)) {
    setPhoto($img, src, alt);
    return $img;
  }
  const $picture = $("<picture>");
  for (const source of usable) {
    $("<source>").attr({ type: source.type, srcset: source.srcset, sizes }).appendTo($picture);
  }
  if (isWebSrcset(srcset)) {
    $img.attr({ srcset, sizes });
  }
  setPhoto($img, src, alt);
  return $picture.append($img);
}

/** Point an <img> at a photo, falling back to the placeholder if it can't load. */
export function setPhoto($img, src, alt) {
  $img.removeClass("photo-missing").off("error").attr("alt", alt);
  // The handler goes on before src, so an immediate failure is caught too.
  $img.on("error", function onError() {
    useplaceholder(this);
  });
  if (isWebUrl(src)) {
    $img.attr("src", src);
  } else {
    useplaceholder($img[0]);
  }
}

// The first view's photos in view, loaded (or failed): the site's other code waits for them
// (main.js), so that on a slow connection they do not share it with scripts needed only later.
let firstPhotosDone;
const firstPhotos = new Promise((resolve) => {
  firstPhotosDone = resolve;
});

/** Resolves once the first view's photos in view have loaded or failed (or none was to be waited for). */
export function firstPhotosLoaded() {
  return firstPhotos;
}

function loaded(img) {
  if (img.complete) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    img.addEventListener("load", resolve, { once: true });
    img.addEventListener("error", resolve, { once: true });
  });
}

/**
 * Fetch the photos of `$container` that are in view now, first and at high priority (not lazily);
 * the first time, the rest of the site waits for them. Call once they are in the page.
 */
export function photosInViewFirst($container) {
  const height = window.innerHeight || document.documentElement.clientHeight;
  const inView = $container
    .find("img")
    .toArray()
    .filter((img) => {
      const box = img.getBoundingClientRect();
      return box.bottom > 0 && box.top < height;
    });
  for (const img of inView) {
    img.setAttribute("fetchpriority", "high");
    img.removeAttribute("loading");
  }
  Promise.all(inView.map(loaded)).then(() => firstPhotosDone());
}

/** The first view has no photo to wait for. */
export function noPhotosFirst() {
  firstPhotosDone();
}
