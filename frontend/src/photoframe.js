// A photo in a box of fixed shape: the whole photo shows (never cropped), and nothing moves as it loads.
import $ from "jquery/slim";

import { photoImage } from "./images.js";

/** Scale `width` x `height` to fit `longEdge`, never enlarging (as the server makes derivatives). */
export function fitted(width, height, longEdge) {
  const scale = Math.min(1, longEdge / Math.max(width, height, 1));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** A framed thumbnail (long edge 480 px) or preview (1600 px) of `product`. */
export function photoFrame(product, { kind = "thumbnail", lazy = true, className = "" } = {}) {
  const title = product.title || product.description;
  const size = fitted(product.width, product.height, kind === "preview" ? 1600 : 480);
  const src = kind === "preview" ? product.preview_url || product.url : product.thumbnail_url || product.url;
  const $frame = $("<div>", { class: `photo-frame ${className}`.trim() });
  $frame.append(photoImage({ src, alt: title, width: size.width, height: size.height, className: "photo", lazy }));
  return $frame;
}
