// A table's hidden caption and column headers: the one place their markup is written.
export function TableHead({ caption, columns }: { caption: string; columns: string[] }) {
  return (
    <>
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th scope="col" key={c}>
              {c}
            </th>
          ))}
        </tr>
      </thead>
    </>
  );
}
