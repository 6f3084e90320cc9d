// The legend: each category's shape and colour, drawn as in the view (SVG, no images).
import { clear, h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";

function polygon(sides, rotate = -90) {
  const points = [];
  for (let i = 0; i < sides; i += 1) {
    const angle = ((rotate + (360 / sides) * i) * Math.PI) / 180;
    points.push(`${(10 + 8.5 * Math.cos(angle)).toFixed(1)},${(10 + 8.5 * Math.sin(angle)).toFixed(1)}`);
  }
  return ["polygon", { points: points.join(" ") }];
}

const SHAPES = {
  ellipse: ["circle", { cx: 10, cy: 10, r: 8.5 }],
  rectangle: ["rect", { x: 2, y: 3, width: 16, height: 14 }],
  "round-rectangle": ["rect", { x: 2, y: 3, width: 16, height: 14, rx: 4 }],
  barrel: ["rect", { x: 2, y: 3, width: 16, height: 14, rx: 7, ry: 3 }],
  diamond: ["polygon", { points: "10,1 19,10 10,19 1,10" }],
  triangle: polygon(3),
  "round-triangle": ["polygon", { points: "10,2 18,17 2,17", "stroke-linejoin": "round", "stroke-width": 3 }],
  pentagon: polygon(5),
  hexagon: polygon(6, 0),
  octagon: polygon(8, 22.5),
  tag: ["polygon", { points: "2,3 13,3 19,10 13,17 2,17" }],
  vee: ["polygon", { points: "1,2 10,8 19,2 10,19" }],
  star: ["polygon", { points: "10,1 12.4,7 19,7.3 13.8,11.5 15.6,18 10,14.3 4.4,18 6.2,11.5 1,7.3 7.6,7" }],
};

export function shapeIcon(shape, colour) {
  const [tag, attrs] = SHAPES[shape] || SHAPES.ellipse;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", "20");
  svg.setAttribute("height", "20");
  svg.setAttribute("viewBox", "0 0 20 20");
  svg.setAttribute("aria-hidden", "true");
  const mark = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) mark.setAttribute(key, String(value));
  mark.setAttribute("fill", colour);
  mark.setAttribute("stroke", attrs.stroke || colour);
  svg.append(mark);
  return svg;
}

export function renderLegend(element, categories) {
  clear(element);
  for (const category of categories) {
    const types = category.types.length ? category.types.join(", ") : "anything else";
    element.append(h("li", { title: types }, shapeIcon(category.shape, category.colour),
      h("span", {}, category.label, h("span", { class: "sr-only" }, ` (${category.shape} shape): ${types}`))));
  }
}
