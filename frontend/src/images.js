// Photos: lazy, with their size set, and a neutral placeholder when they can't load.
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

function useplaceholder(img) {
  $(img).off("error").attr("src", PLACEHOLDER_SRC).addClass("photo-missing");
}

/** An <img> element for a photo; `lazy` unless it is shown at once (e.g. in a dialog). */
export function photoImage({ src, alt, width, height, className, lazy = true }) {
  const $img = $("<img>").attr({ alt, width, height, decoding: "async" });
  if (className) {
    $img.addClass(className);
  }
  if (lazy) {
    $img.attr("loading", "lazy");
  }
  setPhoto($img, src, alt);
  return $img;
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
