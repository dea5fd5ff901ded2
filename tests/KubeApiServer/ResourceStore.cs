using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace GitOpsSecrets.Tests.KubeApiServer;

/// <summary>Who owns which fields of an object, as <c>metadata.managedFields</c> shows it.</summary>
public sealed record ManagedFieldsEntry(string Manager, string Operation, string ApiVersion, DateTimeOffset Time, IReadOnlySet<string> Fields)
{
    /// <summary>
    /// Maps (data, labels, annotations) this manager owns as a whole, shown as <c>".": {}</c> in fieldsV1:
    /// the real server gives a map to the non-apply writer that brought it into being.
    /// </summary>
    public IReadOnlySet<string> Maps { get; init; } = new HashSet<string>(StringComparer.Ordinal);
}

/// <summary>
/// The server's state: every object by resource, namespace and name, one resourceVersion counter for
/// all of them, and per object the field managers. All operations take one lock, like a single etcd.
/// </summary>
public sealed class ResourceStore
{
    private const string ModifiedMessage = "the object has been modified; please apply your changes to the latest version and try again";
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const int MaxGeneratedPrefix = 63 - 5;

    /// <summary>The map-typed fields (keys are data, not schema) of the objects served here; structs such as metadata or spec are not maps.</summary>
    private static readonly string[] MapFields = ["data", "binaryData", "metadata" + FieldPaths.Separator + "labels", "metadata" + FieldPaths.Separator + "annotations"];

    private readonly Dictionary<ResourceType, SortedDictionary<string, Stored>> _objects = ResourceTypes.All.ToDictionary(t => t, _ => new SortedDictionary<string, Stored>(StringComparer.Ordinal));
    private readonly Lock _lock = new();
    private long _resourceVersion = 100;
    private readonly List<WatchEvent> _history = [];
    private long _compactedThrough;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TimeProvider Time { get; set; } = TimeProvider.System;

    public string ResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion.ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>How many past changes watches can start from; older ones are compacted away (410 Gone), like etcd's compaction.</summary>
    public int HistoryLimit { get; set; } = 100_000;

    /// <summary>
    /// The changes to objects of a type (in a namespace, or all) after a resourceVersion, and a task that
    /// completes at the next change of anything, and the store's version they are complete through (taken under
    /// the same lock, so a bookmark at it never skips a change made meanwhile). Throws 410 Gone when that
    /// version is older than the history kept.
    /// </summary>
    public (IReadOnlyList<WatchEvent> Events, Task Next, long Through) ChangesAfter(ResourceType type, string? @namespace, long resourceVersion)
    {
        lock (_lock)
        {
            if (resourceVersion < _compactedThrough)
            {
                throw new KubeApiException(410, "Expired", $"too old resource version: {resourceVersion} ({_compactedThrough})");
            }

            // History is in resourceVersion order: start at the first change after the one asked for.
            var (low, high) = (0, _history.Count);
            while (low < high)
            {
                var middle = (low + high) / 2;
                (low, high) = _history[middle].ResourceVersion <= resourceVersion ? (middle + 1, high) : (low, middle);
            }

            var events = _history.Skip(low).Where(e => e.Resource == type && (@namespace is null || e.Namespace == @namespace))
                .Select(e => e with { Object = (JsonObject)e.Object.DeepClone() })
                .ToList();
            return (events, _changed.Task, _resourceVersion);
        }
    }

    /// <summary>The version up to which history was compacted: a list continue token from before it is expired (410).</summary>
    public long CompactedThrough
    {
        get
        {
            lock (_lock)
            {
                return _compactedThrough;
            }
        }
    }

    /// <summary>Forgets every past change, as an etcd compaction does: a watch from an earlier version gets 410 Gone.</summary>
    public void Compact()
    {
        lock (_lock)
        {
            _compactedThrough = _resourceVersion;
            _history.Clear();
        }
    }

    /// <summary>A status subresource write: replaces (PUT) or merges (PATCH) <c>status</c> only; a resourceVersion given must be current.</summary>
    public JsonObject WriteStatus(ResourceType type, string? @namespace, string name, JsonObject body, bool merge, string manager)
    {
        lock (_lock)
        {
            var stored = Existing(type, @namespace, name);
            if (body["metadata"] is JsonObject metadata)
            {
                CheckResourceVersion(type, name, stored, metadata);
            }

            var obj = (JsonObject)stored.Object.DeepClone();
            obj["status"] = merge
                ? MergePatch.Apply(stored.Object["status"] as JsonObject ?? [], body["status"] as JsonObject ?? [])
                : body["status"]?.DeepClone();
            return CommitUpdate(type, @namespace, name, stored, obj, manager, statusWrite: true);
        }
    }

    /// <summary>A copy of the object as GET returns it, or null.</summary>
    public JsonObject? Get(ResourceType type, string? @namespace, string name)
    {
        lock (_lock)
        {
            return _objects[type].TryGetValue(Key(type, @namespace, name), out var stored) ? Render(stored) : null;
        }
    }

    public IReadOnlyList<ManagedFieldsEntry> ManagersOf(ResourceType type, string? @namespace, string name)
    {
        lock (_lock)
        {
            return _objects[type].TryGetValue(Key(type, @namespace, name), out var stored) ? stored.Managers.ToList() : [];
        }
    }

    /// <summary>How many objects of a type exist (cheap: nothing is copied).</summary>
    public int Count(ResourceType type)
    {
        lock (_lock)
        {
            return _objects[type].Count;
        }
    }

    /// <summary>Copies of every object of a type, in one namespace or all (null).</summary>
    public IReadOnlyList<JsonObject> List(ResourceType type, string? @namespace)
    {
        lock (_lock)
        {
            return _objects[type].Values
                .Where(s => @namespace is null || Namespace(s.Object) == @namespace)
                .Select(s => Render(s))
                .ToList();
        }
    }

    public JsonObject Create(ResourceType type, string? @namespace, JsonObject body, string manager)
    {
        lock (_lock)
        {
            var obj = (JsonObject)body.DeepClone();
            CheckKind(type, obj);
            var metadata = Metadata(obj);
            CheckNamespace(type, @namespace, metadata);
            if (metadata["resourceVersion"] is not null)
            {
                throw KubeApiException.BadRequest("resourceVersion should not be set on objects to be created");
            }

            metadata.Remove("managedFields");
            var generateName = metadata["generateName"]?.GetValue<string>() is { Length: > 0 } prefix ? prefix : null;
            if (metadata["name"]?.GetValue<string>() is not { Length: > 0 } && generateName is not null)
            {
                // The real server cuts the prefix so that prefix + 5 characters stays a 63-character name.
                metadata["name"] = generateName[..Math.Min(generateName.Length, MaxGeneratedPrefix)]
                    + new string(Enumerable.Range(0, 5).Select(_ => NameAlphabet[RandomNumberGenerator.GetInt32(NameAlphabet.Length)]).ToArray());
            }

            var name = metadata["name"]?.GetValue<string>() ?? string.Empty;
            if (type.Namespaced)
            {
                // Validated as stored: rules such as an Event's involvedObject.namespace compare with it.
                metadata["namespace"] = @namespace;
            }

            Normalize(type, obj);
            Default(type, obj);
            Validation.Check(type, @namespace, obj, null);
            RequireNamespace(type, @namespace);
            if (_objects[type].ContainsKey(Key(type, @namespace, name)))
            {
                // With generateName the real server answers a name collision as a retryable 504, whether or not a name was given too.
                throw generateName is null ? KubeApiException.AlreadyExists(Resource(type), name) : KubeApiException.ServerTimeout(Resource(type), type.Kind, "POST");
            }

            // A create is an Update operation in managedFields: the creator owns every field, defaults included, and every map it made.
            var managers = new List<ManagedFieldsEntry> { Entry(manager, "Update", type, FieldPaths.Flatten(obj).Keys) with { Maps = MapsIn(obj) } };
            return Store(type, @namespace, name, obj, managers, created: true);
        }
    }

    /// <summary>PUT: replaces the object; a resourceVersion in the body must be the current one.</summary>
    public JsonObject Update(ResourceType type, string? @namespace, string name, JsonObject body, string manager)
    {
        lock (_lock)
        {
            var stored = Existing(type, @namespace, name);
            var obj = (JsonObject)body.DeepClone();
            CheckKind(type, obj);
            var metadata = Metadata(obj);
            CheckNamespace(type, @namespace, metadata);
            CheckName(name, metadata);
            CheckResourceVersion(type, name, stored, metadata);
            return CommitUpdate(type, @namespace, name, stored, obj, manager);
        }
    }

    /// <summary>JSON merge patch (and strategic merge patch, which for the maps of a Secret is the same).</summary>
    public JsonObject Patch(ResourceType type, string? @namespace, string name, JsonObject patch, string manager)
    {
        lock (_lock)
        {
            var stored = Existing(type, @namespace, name);
            if (patch["metadata"] is JsonObject patchMetadata)
            {
                CheckResourceVersion(type, name, stored, patchMetadata);
            }

            var obj = MergePatch.Apply(stored.Object, patch);
            CheckName(name, Metadata(obj));
            return CommitUpdate(type, @namespace, name, stored, obj, manager);
        }
    }

    /// <summary>
    /// Server-side apply: the applier owns exactly the fields it sends. A field another manager owns with
    /// a different value is a conflict (409) unless forced, which moves its ownership. Fields the applier
    /// owned before and no longer sends are removed unless someone else owns them too.
    /// </summary>
    public JsonObject Apply(ResourceType type, string? @namespace, string name, JsonObject body, string manager, bool force)
    {
        lock (_lock)
        {
            var applied = (JsonObject)body.DeepClone();
            if (applied["apiVersion"] is null)
            {
                throw KubeApiException.BadRequest("apiVersion must be set");
            }

            if (applied["kind"] is null)
            {
                throw KubeApiException.BadRequest("kind must be set");
            }

            CheckKind(type, applied);
            var metadata = Metadata(applied);
            if (metadata["managedFields"] is not null)
            {
                throw KubeApiException.BadRequest("metadata.managedFields must be nil");
            }

            CheckNamespace(type, @namespace, metadata);
            CheckName(name, metadata);
            Normalize(type, applied);
            var fields = FieldPaths.Flatten(applied);
            var key = Key(type, @namespace, name);
            if (!_objects[type].TryGetValue(key, out var stored))
            {
                if (metadata["resourceVersion"] is not null)
                {
                    throw KubeApiException.NotFound(Resource(type), name);
                }

                metadata["name"] = name;
                Validation.Check(type, @namespace, applied, null);
                RequireNamespace(type, @namespace);
                return Store(type, @namespace, name, applied, [Entry(manager, "Apply", type, fields.Keys)], created: true);
            }

            CheckResourceVersion(type, name, stored, metadata);
            var current = FieldPaths.Flatten(stored.Object);
            var others = stored.Managers.Where(m => !(m.Manager == manager && m.Operation == "Apply")).ToList();
            var conflicts = fields
                .SelectMany(f => others.Where(m => m.Fields.Contains(f.Key) && current.TryGetValue(f.Key, out var now) && !JsonNode.DeepEquals(now, f.Value)).Select(m => (m.Manager, m.ApiVersion, Path: f.Key)))
                .ToList();
            if (conflicts.Count > 0 && !force)
            {
                throw ApplyConflict(conflicts);
            }

            var obj = (JsonObject)stored.Object.DeepClone();
            var previous = stored.Managers.FirstOrDefault(m => m.Manager == manager && m.Operation == "Apply")?.Fields ?? new HashSet<string>();
            foreach (var dropped in previous.Where(p => !fields.ContainsKey(p) && !others.Any(m => m.Fields.Contains(p))))
            {
                FieldPaths.Remove(obj, dropped);
            }

            foreach (var (path, value) in fields)
            {
                FieldPaths.Set(obj, path, value);
            }

            var taken = conflicts.Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
            var managers = others
                .Select(m => m with { Fields = m.Fields.Where(f => !taken.Contains(f)).ToHashSet(StringComparer.Ordinal) })
                .Append(Entry(manager, "Apply", type, fields.Keys))
                .ToList();
            return Commit(type, @namespace, name, stored, obj, managers);
        }
    }

    public JsonObject Delete(ResourceType type, string? @namespace, string name, string? uid, string? resourceVersion)
    {
        lock (_lock)
        {
            var stored = Existing(type, @namespace, name);
            var metadata = Metadata(stored.Object);
            if (uid is not null && metadata["uid"]?.GetValue<string>() != uid)
            {
                throw KubeApiException.PreconditionFailed(type.Kind, name, "UID", uid, metadata["uid"]?.GetValue<string>() ?? string.Empty);
            }

            if (resourceVersion is not null && metadata["resourceVersion"]?.GetValue<string>() != resourceVersion)
            {
                throw KubeApiException.PreconditionFailed(type.Kind, name, "ResourceVersion", resourceVersion, metadata["resourceVersion"]?.GetValue<string>() ?? string.Empty);
            }

            _objects[type].Remove(Key(type, @namespace, name));
            _resourceVersion++;
            Metadata(stored.Object)["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture);
            var rendered = Render(stored);
            Record("DELETED", type, @namespace, rendered);
            CollectGarbage(metadata["uid"]?.GetValue<string>());
            if (type == ResourceTypes.Namespaces)
            {
                // The real server finalizes a namespace by deleting what is in it; here that happens at once.
                foreach (var objects in _objects.Values)
                {
                    foreach (var inside in objects.Where(p => Namespace(p.Value.Object) == name).Select(p => p.Key).ToList())
                    {
                        objects.Remove(inside);
                    }
                }
            }

            return rendered;
        }
    }

    /// <summary>
    /// The garbage collector's work, done at once: objects whose every ownerReference names an object that
    /// no longer exists are deleted (the real controller-manager does this in the background, shortly after).
    /// </summary>
    private void CollectGarbage(string? deletedUid)
    {
        if (deletedUid is null)
        {
            return;
        }

        var live = LiveUids();
        foreach (var (type, objects) in _objects)
        {
            foreach (var (key, stored) in objects.ToList())
            {
                var owners = (Metadata(stored.Object)["ownerReferences"] as JsonArray ?? []).Select(o => o?["uid"]?.GetValue<string>()).ToList();
                if (owners.Contains(deletedUid) && owners.All(uid => uid is null || !live.Contains(uid)))
                {
                    var metadata = Metadata(stored.Object);
                    Delete(type, metadata["namespace"]?.GetValue<string>(), metadata["name"]!.GetValue<string>(), null, null);
                }
            }
        }
    }

    private JsonObject CommitUpdate(ResourceType type, string? @namespace, string name, Stored stored, JsonObject obj, string manager, bool statusWrite = false)
    {
        var metadata = Metadata(obj);
        metadata.Remove("managedFields");
        Normalize(type, obj);
        Default(type, obj);
        var before = FieldPaths.Flatten(stored.Object);
        var after = FieldPaths.Flatten(obj);
        var changed = after.Where(p => !before.TryGetValue(p.Key, out var old) || !JsonNode.DeepEquals(old, p.Value)).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var newMaps = MapsIn(obj).Except(MapsIn(stored.Object)).ToHashSet(StringComparer.Ordinal);
        var managers = stored.Managers
            .Select(m => m with { Fields = m.Fields.Where(f => after.ContainsKey(f) && !changed.Contains(f)).ToHashSet(StringComparer.Ordinal) })
            .ToList();
        if (changed.Count > 0)
        {
            var mine = managers.FirstOrDefault(m => m.Manager == manager && m.Operation == "Update");
            managers.Remove(mine!);
            managers.Add(Entry(manager, "Update", type, changed.Concat(mine?.Fields ?? Enumerable.Empty<string>())) with
            {
                Maps = newMaps.Concat(mine?.Maps ?? Enumerable.Empty<string>()).ToHashSet(StringComparer.Ordinal),
            });
        }

        return Commit(type, @namespace, name, stored, obj, managers, statusWrite);
    }

    private JsonObject Commit(ResourceType type, string? @namespace, string name, Stored stored, JsonObject obj, List<ManagedFieldsEntry> managers, bool statusWrite = false)
    {
        // Server-set metadata comes from the stored object, never from the request.
        var metadata = Metadata(obj);
        var old = Metadata(stored.Object);
        foreach (var field in new[] { "uid", "creationTimestamp", "resourceVersion", "name", "namespace" })
        {
            metadata[field] = old[field]?.DeepClone();
        }

        if (old["generation"] is { } generation)
        {
            metadata["generation"] = generation.DeepClone();
        }

        if (type.HasStatusSubresource && !statusWrite)
        {
            // With a status subresource, writes to the object itself cannot change status...
            obj["status"] = stored.Object["status"]?.DeepClone();
            if (obj["status"] is null)
            {
                obj.Remove("status");
            }

            // ...and a change of anything but metadata and status is a new generation.
            if (!JsonNode.DeepEquals(WithoutMetadataAndStatus(obj), WithoutMetadataAndStatus(stored.Object)))
            {
                metadata["generation"] = (old["generation"]?.GetValue<long>() ?? 1) + 1;
            }
        }

        metadata.Remove("managedFields");
        Default(type, obj);
        Validation.Check(type, @namespace, obj, stored.Object);
        var maps = MapsIn(obj);
        for (var i = 0; i < managers.Count; i++)
        {
            managers[i] = managers[i] with { Maps = managers[i].Maps.Where(maps.Contains).ToHashSet(StringComparer.Ordinal) };
        }

        managers.RemoveAll(m => m.Fields.Count == 0 && m.Maps.Count == 0);
        var unchanged = JsonNode.DeepEquals(obj, stored.Object)
            && managers.Count == stored.Managers.Count
            && managers.All(m => stored.Managers.Any(s => s.Manager == m.Manager && s.Operation == m.Operation && s.Fields.SetEquals(m.Fields) && s.Maps.SetEquals(m.Maps)));
        if (unchanged)
        {
            // A write that changes nothing does not bump the resourceVersion, like the real server.
            return Render(stored);
        }

        return Store(type, @namespace, name, obj, managers, created: false);
    }

    private JsonObject Store(ResourceType type, string? @namespace, string name, JsonObject obj, List<ManagedFieldsEntry> managers, bool created)
    {
        _resourceVersion++;
        var metadata = Metadata(obj);
        metadata["name"] = name;
        if (type.Namespaced)
        {
            metadata["namespace"] = @namespace;
        }
        else
        {
            metadata.Remove("namespace");
        }

        if (created)
        {
            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = Timestamp(Time.GetUtcNow());
            if (type.HasStatusSubresource)
            {
                metadata["generation"] = 1L;
                obj.Remove("status");
            }
        }

        metadata["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture);
        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
        if (type == ResourceTypes.Namespaces)
        {
            obj["status"] = new JsonObject { ["phase"] = "Active" };
        }

        Default(type, obj);

        // Each entry keeps the time of its manager's last write (new entries were made with the current time).
        var stored = new Stored(obj, managers);
        _objects[type][Key(type, @namespace, name)] = stored;
        var rendered = Render(stored);
        Record(created ? "ADDED" : "MODIFIED", type, @namespace, rendered);
        if (OwnersAllGone(obj))
        {
            // The real garbage collector also removes an object written after its every owner was deleted (an
            // owner deleted while its dependant was being written): the write succeeds, then the object goes.
            Delete(type, @namespace, name, null, null);
        }

        return rendered;
    }

    private HashSet<string> LiveUids() =>
        _objects.Values.SelectMany(o => o.Values).Select(s => Metadata(s.Object)["uid"]?.GetValue<string>()).OfType<string>().ToHashSet(StringComparer.Ordinal);

    private bool OwnersAllGone(JsonObject obj)
    {
        var owners = (Metadata(obj)["ownerReferences"] as JsonArray ?? []).Select(o => o?["uid"]?.GetValue<string>()).OfType<string>().ToList();
        if (owners.Count == 0)
        {
            return false;
        }

        var live = LiveUids();
        return owners.All(uid => !live.Contains(uid));
    }

    /// <summary>Keeps a change for watches and wakes them.</summary>
    private void Record(string change, ResourceType type, string? @namespace, JsonObject obj)
    {
        _history.Add(new WatchEvent(_resourceVersion, change, type, @namespace, (JsonObject)obj.DeepClone()));
        if (_history.Count > HistoryLimit)
        {
            var dropped = _history.Count - HistoryLimit;
            _compactedThrough = _history[dropped - 1].ResourceVersion;
            _history.RemoveRange(0, dropped);
        }

        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private static JsonObject WithoutMetadataAndStatus(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy.Remove("metadata");
        copy.Remove("status");
        return copy;
    }

    private Stored Existing(ResourceType type, string? @namespace, string name) =>
        _objects[type].TryGetValue(Key(type, @namespace, name), out var stored) ? stored : throw KubeApiException.NotFound(Resource(type), name);

    private void RequireNamespace(ResourceType type, string? @namespace)
    {
        if (type.Namespaced && !_objects[ResourceTypes.Namespaces].ContainsKey(Key(ResourceTypes.Namespaces, null, @namespace!)))
        {
            throw KubeApiException.NotFound("namespaces", @namespace!);
        }
    }

    private ManagedFieldsEntry Entry(string manager, string operation, ResourceType type, IEnumerable<string> fields) =>
        new(manager, operation, type.ApiVersion, Time.GetUtcNow(), fields.ToHashSet(StringComparer.Ordinal));

    private static void CheckResourceVersion(ResourceType type, string name, Stored stored, JsonObject metadata)
    {
        if (metadata["resourceVersion"]?.GetValue<string>() is { Length: > 0 } wanted && wanted != Metadata(stored.Object)["resourceVersion"]?.GetValue<string>())
        {
            throw KubeApiException.Conflict(Resource(type), name, ModifiedMessage);
        }
    }

    private static void CheckKind(ResourceType type, JsonObject obj)
    {
        if (obj["kind"]?.GetValue<string>() is { } kind && kind != type.Kind)
        {
            throw KubeApiException.BadRequest($"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (kind {kind} is not {type.Kind})");
        }

        if (obj["apiVersion"]?.GetValue<string>() is { } apiVersion && apiVersion != type.ApiVersion)
        {
            throw KubeApiException.BadRequest($"apiVersion {apiVersion} does not match {type.ApiVersion}");
        }
    }

    private static void CheckNamespace(ResourceType type, string? @namespace, JsonObject metadata)
    {
        if (type.Namespaced && metadata["namespace"]?.GetValue<string>() is { Length: > 0 } given && given != @namespace)
        {
            throw KubeApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
    }

    private static void CheckName(string name, JsonObject metadata)
    {
        if (metadata["name"]?.GetValue<string>() is { Length: > 0 } given && given != name)
        {
            throw KubeApiException.BadRequest($"the name of the object ({given}) does not match the name on the URL ({name})");
        }
    }

    /// <summary>What the API server does to every write: stringData folds into data (and is never stored).</summary>
    private static void Normalize(ResourceType type, JsonObject obj)
    {
        if (type == ResourceTypes.Secrets && obj["stringData"] is JsonObject stringData)
        {
            var data = obj["data"] as JsonObject ?? [];
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value?.GetValue<string>() ?? string.Empty));
            }

            obj["data"] = data;
            obj.Remove("stringData");
        }
    }

    /// <summary>The API server's defaulting: a Secret without a type is Opaque.</summary>
    private static void Default(ResourceType type, JsonObject obj)
    {
        if (type == ResourceTypes.Secrets && obj["type"] is null)
        {
            obj["type"] = "Opaque";
        }
    }

    /// <summary>The non-empty maps an object holds (see <see cref="MapFields"/>).</summary>
    private static HashSet<string> MapsIn(JsonObject obj) =>
        MapFields.Where(path => path.Split(FieldPaths.Separator).Aggregate((JsonNode?)obj, (node, segment) => node?[segment]) is JsonObject { Count: > 0 }).ToHashSet(StringComparer.Ordinal);

    private static KubeApiException ApplyConflict(List<(string Manager, string ApiVersion, string Path)> conflicts)
    {
        var groups = conflicts.GroupBy(c => (c.Manager, c.ApiVersion)).ToList();
        var text = conflicts.Count == 1
            ? $"Apply failed with 1 conflict: conflict with \"{conflicts[0].Manager}\" using {conflicts[0].ApiVersion}: {FieldPaths.Display(conflicts[0].Path)}"
            : $"Apply failed with {conflicts.Count} conflicts: " + string.Join("\n", groups.Select(g =>
                $"conflicts with \"{g.Key.Manager}\" using {g.Key.ApiVersion}:\n" + string.Join("\n", g.Select(c => "- " + FieldPaths.Display(c.Path)))));
        return new KubeApiException(409, "Conflict", text, new JsonObject
        {
            ["causes"] = new JsonArray(conflicts.Select(c => (JsonNode)new JsonObject
            {
                ["reason"] = "FieldManagerConflict",
                ["message"] = $"conflict with \"{c.Manager}\" using {c.ApiVersion}",
                ["field"] = FieldPaths.Display(c.Path),
            }).ToArray()),
        });
    }

    private static JsonObject Render(Stored stored)
    {
        var obj = (JsonObject)stored.Object.DeepClone();
        // The real server's order: Apply before Update, then by time (seconds), manager and apiVersion.
        var ordered = stored.Managers
            .OrderBy(m => m.Operation, StringComparer.Ordinal)
            .ThenBy(m => m.Time.ToUnixTimeSeconds())
            .ThenBy(m => m.Manager, StringComparer.Ordinal)
            .ThenBy(m => m.ApiVersion, StringComparer.Ordinal);
        Metadata(obj)["managedFields"] = new JsonArray(ordered.Select(m => (JsonNode)new JsonObject
        {
            ["manager"] = m.Manager,
            ["operation"] = m.Operation,
            ["apiVersion"] = m.ApiVersion,
            ["time"] = Timestamp(m.Time),
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = FieldPaths.ToFieldsV1(m.Fields, m.Maps),
        }).ToArray());
        return obj;
    }

    private static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject metadata)
        {
            metadata = [];
            obj["metadata"] = metadata;
        }

        return metadata;
    }

    private static string? Namespace(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>();

    private static string Key(ResourceType type, string? @namespace, string name) => type.Namespaced ? $"{@namespace}/{name}" : name;

    private static string Resource(ResourceType type) => type.Plural;

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private sealed record Stored(JsonObject Object, List<ManagedFieldsEntry> Managers);
}

/// <summary>One change as a watch reports it: ADDED, MODIFIED or DELETED, at a resourceVersion.</summary>
public sealed record WatchEvent(long ResourceVersion, string Type, ResourceType Resource, string? Namespace, JsonObject Object);
