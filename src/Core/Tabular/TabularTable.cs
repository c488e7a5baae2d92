using CsvHelper;
using NasNet.Core.SearchSpace;

namespace NasNet.Core.Tabular;

/// <summary>
/// A table of recorded training results, one row per architecture: a key column holding the architecture's text
/// (<see cref="IArchitecture.Text"/>; NAS-Bench-201: the cell string) and numeric columns. Read once from a CSV with a
/// header row (CsvHelper); every problem (missing file or column, a value that is not a number, a repeated or
/// unparsable architecture) is a one-line <see cref="UserErrorException"/> naming the file, line and column.
/// </summary>
public sealed class TabularTable
{
    private readonly Dictionary<string, int> _rowOf;
    private readonly Dictionary<string, int> _columnOf;
    private readonly double[][] _values; // [column][row]; NaN where the column is not numeric

    private TabularTable(string source, string keyColumn, string[] columns, Dictionary<string, int> rowOf, double[][] values, string[] keys)
    {
        Source = source;
        KeyColumn = keyColumn;
        Columns = columns;
        _rowOf = rowOf;
        _values = values;
        Keys = keys;
        _columnOf = columns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
    }

    /// <summary>Where the table came from (its path), for messages.</summary>
    public string Source { get; }

    /// <summary>The column holding each row's architecture text.</summary>
    public string KeyColumn { get; }

    /// <summary>The header, in file order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The architecture text of each row, in file order.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>Number of rows (architectures).</summary>
    public int Count => Keys.Count;

    /// <summary>
    /// Reads a CSV table. With <paramref name="space"/>, each key is parsed in that space and stored in its canonical
    /// text form, so a lookup by <see cref="IArchitecture.Text"/> matches however the file spells it.
    /// </summary>
    /// <param name="path">The CSV file (header row first).</param>
    /// <param name="keyColumn">The column holding the architecture (NAS-Bench-201: "arch").</param>
    /// <param name="space">Parse keys in this space (null: keys are compared as written, trimmed).</param>
    public static TabularTable Load(string path, string keyColumn = "arch", ISearchSpace? space = null)
    {
        if (!File.Exists(path))
        {
            throw new UserErrorException($"table '{path}' does not exist: set trainer.table to a CSV file of recorded results");
        }

        try
        {
            using var stream = File.OpenRead(path);
            return Read(stream, path, keyColumn, space);
        }
        catch (CsvFormatException e)
        {
            throw new UserErrorException($"table '{path}' is not valid CSV ({e.Message.Split('\n')[0]}): fix the file");
        }
    }

    private static TabularTable Read(Stream stream, string path, string keyColumn, ISearchSpace? space)
    {
        using var csv = CsvReader.Create(stream);
        var columns = csv.Headers.Select(h => h.Trim()).ToArray();
        if (columns.Length == 0)
        {
            throw new UserErrorException($"table '{path}' is empty: it needs a header row and one row per architecture");
        }

        var duplicate = columns.GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new UserErrorException($"table '{path}' has two columns named '{duplicate.Key}': rename one");
        }

        var key = Array.IndexOf(columns, keyColumn);
        if (key < 0)
        {
            throw new UserErrorException($"table '{path}' has no column '{keyColumn}' holding the architectures (columns: {string.Join(", ", columns)})");
        }

        var keys = new List<string>();
        var cells = new List<double[]>();
        var numeric = Enumerable.Repeat(true, columns.Length).ToArray();
        numeric[key] = false;
        var rowOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var line = 1;
        while (csv.Read())
        {
            line++;
            if (csv.FieldCount != columns.Length)
            {
                throw new UserErrorException($"table '{path}', line {line}: {csv.FieldCount} fields, the header has {columns.Length}: fix the row");
            }

            var text = csv.GetString(key).Trim();
            if (space is not null)
            {
                try
                {
                    text = space.Parse(text).Text;
                }
                catch (UserErrorException e)
                {
                    throw new UserErrorException($"table '{path}', line {line}, column '{keyColumn}': {e.Message}");
                }
            }

            if (!rowOf.TryAdd(text, keys.Count))
            {
                throw new UserErrorException($"table '{path}', line {line}: architecture {text} is listed twice (first on line {rowOf[text] + 2}): keep one row per architecture");
            }

            var row = new double[columns.Length];
            for (var c = 0; c < columns.Length; c++)
            {
                row[c] = double.NaN;
                if (c != key)
                {
                    if (csv.TryParse<double>(c, out var v) && double.IsFinite(v))
                    {
                        row[c] = v;
                    }
                    else
                    {
                        numeric[c] = false; // a text column (e.g. a second name); an error only if someone reads it
                    }
                }
            }

            keys.Add(text);
            cells.Add(row);
        }

        if (keys.Count == 0)
        {
            throw new UserErrorException($"table '{path}' has a header but no rows: add one row per architecture");
        }

        var values = new double[columns.Length][];
        for (var c = 0; c < columns.Length; c++)
        {
            values[c] = numeric[c] ? cells.Select(r => r[c]).ToArray() : [];
        }

        return new TabularTable(path, keyColumn, columns, rowOf, values, keys.ToArray());
    }

    /// <summary>True when the table has a column of that name.</summary>
    public bool HasColumn(string column) => _columnOf.ContainsKey(column);

    /// <summary>
    /// The index of a numeric column; a missing or non-numeric column is a one-line <see cref="UserErrorException"/>
    /// naming <paramref name="setting"/> (the config field that chose it).
    /// </summary>
    public int NumericColumn(string column, string setting)
    {
        if (!_columnOf.TryGetValue(column, out var c))
        {
            var choices = Columns.Where((_, i) => _values[i].Length > 0);
            throw new UserErrorException($"table '{Source}' has no column '{column}': set {setting} to one of {string.Join(", ", choices)}");
        }

        if (_values[c].Length == 0)
        {
            throw new UserErrorException($"table '{Source}', column '{column}' is not numeric in every row: set {setting} to a numeric column");
        }

        return c;
    }

    /// <summary>The row of an architecture, or -1 when the table does not have it.</summary>
    public int RowOf(IArchitecture architecture) => _rowOf.GetValueOrDefault(architecture.Text, -1);

    /// <summary>The value at a row of a numeric column (from <see cref="NumericColumn"/>).</summary>
    public double Value(int column, int row) => _values[column][row];

    /// <summary>All values of a numeric column, in row order.</summary>
    public IReadOnlyList<double> ColumnValues(int column) => _values[column];
}
