using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace GitOpsSecrets.Manifests;

/// <summary>Builds the span trees of every document of a file from parser positions.</summary>
internal static class SpanParsers
{
    public static List<SpanNode?> Yaml(string text)
    {
        var documents = new List<SpanNode?>();
        var parser = new Parser(new StringReader(text));
        parser.Consume<StreamStart>();
        while (parser.TryConsume<DocumentStart>(out _))
        {
            documents.Add(parser.Accept<DocumentEnd>(out _) ? null : YamlNode(parser, inFlow: false));
            parser.Consume<DocumentEnd>();
        }

        parser.Consume<StreamEnd>();
        return documents;
    }

    private static int Index(Mark mark) => checked((int)mark.Index);

    private static SpanNode YamlNode(IParser parser, bool inFlow)
    {
        var current = parser.Current ?? throw new YamlException("unexpected end of the YAML stream");
        parser.MoveNext();
        switch (current)
        {
            case Scalar scalar:
                var kind = scalar.Style switch
                {
                    ScalarStyle.SingleQuoted => ScalarKind.SingleQuoted,
                    ScalarStyle.DoubleQuoted => ScalarKind.DoubleQuoted,
                    ScalarStyle.Literal => ScalarKind.Literal,
                    ScalarStyle.Folded => ScalarKind.Folded,
                    _ => ScalarKind.Plain,
                };
                return new ScalarSpan(Index(scalar.Start), Index(scalar.End), kind, inFlow, !scalar.Anchor.IsEmpty || !scalar.Tag.IsEmpty)
                {
                    IsEmptyPlain = kind == ScalarKind.Plain && scalar.Value.Length == 0,
                };
            case AnchorAlias alias:
                return new ScalarSpan(Index(alias.Start), Index(alias.End), ScalarKind.Alias, inFlow, hasProperties: false);
            case SequenceStart sequenceStart:
                var sequence = new SequenceSpan(Index(sequenceStart.Start), Index(sequenceStart.End), sequenceStart.Style == YamlDotNet.Core.Events.SequenceStyle.Flow);
                while (!parser.Accept<SequenceEnd>(out _))
                {
                    sequence.Items.Add(YamlNode(parser, inFlow || sequence.Flow));
                }

                var sequenceEnd = parser.Consume<SequenceEnd>();
                sequence.End = Index(sequenceEnd.End);
                return sequence;
            case MappingStart mappingStart:
                var mapping = new MappingSpan(Index(mappingStart.Start), Index(mappingStart.End), mappingStart.Style == MappingStyle.Flow);
                while (!parser.Accept<MappingEnd>(out _))
                {
                    // A complex (non-scalar) key can never match a path segment.
                    var key = parser.Current is Scalar keyScalar ? keyScalar.Value : "\0";
                    var keyNode = YamlNode(parser, inFlow || mapping.Flow);
                    var value = YamlNode(parser, inFlow || mapping.Flow);
                    mapping.Entries.Add(new EntrySpan(key, keyNode, value));
                }

                var mappingEnd = parser.Consume<MappingEnd>();
                mapping.CloseStart = Index(mappingEnd.Start);
                mapping.End = Index(mappingEnd.End);
                return mapping;
            default:
                throw new YamlException(current.Start, current.End, $"unexpected YAML {current.GetType().Name}");
        }
    }

    public static List<SpanNode?> Json(byte[] content, int preamble)
    {
        var offsets = new CharOffsets(content, preamble);
        var documents = new List<SpanNode?>();
        var reader = new Utf8JsonReader(content.AsSpan(preamble), new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });
        while (reader.Read())
        {
            documents.Add(JsonNode(ref reader, offsets, content, preamble));
        }

        return documents;
    }

    private static SpanNode JsonNode(ref Utf8JsonReader reader, CharOffsets offsets, byte[] content, int preamble)
    {
        var start = offsets.Of(reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var mapping = new MappingSpan(start, start + 1, flow: true);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var keyStart = offsets.Of(reader.TokenStartIndex);
                    var key = reader.GetString()!;
                    var keyNode = new ScalarSpan(keyStart, offsets.Of(StringEnd(content, preamble, reader.TokenStartIndex)), ScalarKind.Json, inFlow: true, hasProperties: false);
                    reader.Read();
                    mapping.Entries.Add(new EntrySpan(key, keyNode, JsonNode(ref reader, offsets, content, preamble)));
                }

                mapping.CloseStart = offsets.Of(reader.TokenStartIndex);
                mapping.End = offsets.Of(reader.BytesConsumed);
                return mapping;
            case JsonTokenType.StartArray:
                var sequence = new SequenceSpan(start, start + 1, flow: true);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    sequence.Items.Add(JsonNode(ref reader, offsets, content, preamble));
                }

                sequence.End = offsets.Of(reader.BytesConsumed);
                return sequence;
            default:
                return new ScalarSpan(start, offsets.Of(reader.BytesConsumed), ScalarKind.Json, inFlow: true, hasProperties: false);
        }
    }

    /// <summary>Past the closing quote of the JSON string starting at <paramref name="start"/> (the reader's position after a property name includes the colon).</summary>
    private static long StringEnd(byte[] content, int preamble, long start)
    {
        var i = preamble + start + 1;
        while (content[i] != (byte)'"')
        {
            i += content[i] == (byte)'\\' ? 2 : 1;
        }

        return i + 1 - preamble;
    }

    /// <summary>Byte offsets of the UTF-8 file (after any BOM) to character offsets of its decoded text.</summary>
    private sealed class CharOffsets
    {
        private readonly byte[] _content;
        private readonly int _preamble;
        private readonly bool _ascii;
        private long _lastByte;
        private int _lastChar;

        public CharOffsets(byte[] content, int preamble)
        {
            _content = content;
            _preamble = preamble;
            _ascii = System.Text.Ascii.IsValid(content.AsSpan(preamble));
        }

        public int Of(long byteOffset)
        {
            if (_ascii)
            {
                return checked((int)byteOffset);
            }

            // Offsets mostly grow; count forward from the last answer, or from the start when they do not.
            if (byteOffset < _lastByte)
            {
                _lastByte = 0;
                _lastChar = 0;
            }

            _lastChar += Encoding.UTF8.GetCharCount(_content.AsSpan(_preamble + (int)_lastByte, (int)(byteOffset - _lastByte)));
            _lastByte = byteOffset;
            return _lastChar;
        }
    }
}
