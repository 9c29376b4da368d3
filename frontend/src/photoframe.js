// A photo in a box of fixed shape: the whole photo shows (never cropped), and nothing moves as it loads.
// Sharp on every screen: the thumbnails for 1x, 2x and 3x screens in `srcset`, WebP beside JPEG in a
// <picture> (the browser takes what it can show), `sizes` saying how wide the grid shows them.
import $ from "jquery/slim";

import { photoImage } from "./images.js";

// How wide a card's photo is shown (styles.scss: the grid's columns are at least 16rem, in a
// container with 1rem of padding each side); the browser picks the thumbnail from it and the
// screen's pixel ratio. prefetch.js says the same for the first photo.
export const THUMBNAIL_SIZES = "(max-width: 575.98px) calc(100vw - 2rem), (max-width: 991.98px) 31rem, 22rem";
export const PREVIEW_SIZES = "(max-width: 991.98px) calc(100vw - 2rem), 50vw";

/** Scale `width` x `height` to fit `longEdge`, never enlarging (as the server makes derivatives). */
export function fitted(width, height, longEdge) {
  const scale = Math.min(1, longEdge / Math.max(width, height, 1));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** `srcset` of the images of one type ("image/webp"), "" when there are none. */
export function srcsetOf(images, type) {
  return (Array.isArray(images) ? images : [])
    .filter((image) => image && image.type === type && typeof image.url === "string" && image.width > 0)
    .map((image) => `${image.url} ${Number(image.width)}w`)
    .join(", ");
}

/** A framed thumbnail (long edge 480 px, 2x and 3x in srcset) or preview (1600 px) of `product`. */
export function photoFrame(product, { kind = "thumbnail", lazy = true, className = "" } = {}) {
  const title = product.title || product.description;
  const preview = kind === "preview";
  const images = preview ? product.previews : product.thumbnails;
  const first = Array.isArray(images) && images[0];
  // The size of the image shown at 1x: the box's shape comes from it before any byte arrives.
  const size = first ? { width: first.width, height: first.height } : fitted(product.width, product.height, 480);
  const src = preview ? product.preview_url || product.url : product.thumbnail_url || product.url;
  const $frame = $("<div>", { class: `photo-frame ${className}`.trim() });
  $frame.append(
    photoImage({
      src,
      alt: title,
      width: preview && !first ? fitted(product.width, product.height, 1600).width : size.width,
      height: preview && !first ? fitted(product.width, product.height, 1600).height : size.height,
      className: "photo",
      lazy,
      srcset: srcsetOf(images, "image/jpeg"),
      sources: [{ type: "image/webp", srcset: srcsetOf(images, "image/webp") }],
      sizes: preview ? PREVIEW_SIZES : THUMBNAIL_SIZES,
    }),
  );
  return $frame;
}
