// Inline icons (decorative: the buttons carry the text label).
const paths = {
  send: "M3 20.5V14l9-2-9-2V3.5L22 12z",
  down: "M5 6h14v2H5zm7 13-6-6h4V9h4v4h4z",
  end: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm4.2 11.8-1.4 1.4L12 13.4l-2.8 2.8-1.4-1.4 2.8-2.8-2.8-2.8 1.4-1.4 2.8 2.8 2.8-2.8 1.4 1.4-2.8 2.8z",
  min: "M6 9.4 7.4 8l4.6 4.6L16.6 8 18 9.4l-6 6z",
  star: "m12 2.5 2.9 6.1 6.6.8-4.9 4.5 1.3 6.6L12 17.2l-5.9 3.3 1.3-6.6-4.9-4.5 6.6-.8z",
};

export function Icon({ name }: { name: keyof typeof paths }) {
  return (
    <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={paths[name]} />
    </svg>
  );
}
