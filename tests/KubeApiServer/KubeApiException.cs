using System.Text.Json.Nodes;

namespace GitOpsSecrets.Tests.KubeApiServer;

/// <summary>A request the API server refuses, answered as a <c>Status</c> body with the real server's reason and code.</summary>
public sealed class KubeApiException : Exception
{
    public KubeApiException(int code, string reason, string message, JsonObject? details = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    public KubeApiException()
        : this(500, "InternalError", "internal error")
    {
    }

    public KubeApiException(string message)
        : this(500, "InternalError", message)
    {
    }

    public KubeApiException(string message, Exception inner)
        : base(message, inner)
    {
        Code = 500;
        Reason = "InternalError";
    }

    public int Code { get; }

    public string Reason { get; }

    public JsonObject? Details { get; }

    public static KubeApiException NotFound(string resource, string name) =>
        new(404, "NotFound", $"{resource} \"{name}\" not found", new JsonObject { ["name"] = name, ["kind"] = resource });

    public static KubeApiException AlreadyExists(string resource, string name) =>
        new(409, "AlreadyExists", $"{resource} \"{name}\" already exists", new JsonObject { ["name"] = name, ["kind"] = resource });

    public static KubeApiException Conflict(string resource, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {resource} \"{name}\": {why}", new JsonObject { ["name"] = name, ["kind"] = resource });

    public static KubeApiException BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>504 ServerTimeout, the real server's answer to a generateName collision: try again.</summary>
    public static KubeApiException ServerTimeout(string resource, string kind, string operation) =>
        new(504, "ServerTimeout", $"The {operation} operation against {kind} could not be completed at this time, please try again.", new JsonObject { ["name"] = operation, ["kind"] = resource });

    /// <summary>422 with the real server's message shape: <c>Secret "x" is invalid: field: problem</c>.</summary>
    public static KubeApiException Invalid(string kind, string name, IReadOnlyList<(string Field, string Problem)> causes) =>
        new(422, "Invalid", $"{kind} \"{name}\" is invalid: {string.Join(", ", causes.Select(c => $"{c.Field}: {c.Problem}"))}",
            new JsonObject
            {
                ["name"] = name,
                ["kind"] = kind,
                ["causes"] = new JsonArray(causes.Select(c => (JsonNode)new JsonObject { ["reason"] = CauseReason(c.Problem), ["message"] = c.Problem, ["field"] = c.Field }).ToArray()),
            });

    /// <summary>
    /// Delete preconditions that no longer hold: the real server names the Kind (not the resource) here,
    /// and says which precondition failed in its own words (uid is checked first).
    /// </summary>
    public static KubeApiException PreconditionFailed(string kind, string name, string precondition, string given, string actual) =>
        new(409, "Conflict",
            $"Operation cannot be fulfilled on {kind} \"{name}\": the {precondition} in the precondition ({given}) does not match the {precondition} in record ({actual}). "
            + (precondition == "UID" ? "The object might have been deleted and then recreated" : "The object might have been modified"),
            new JsonObject { ["name"] = name, ["kind"] = kind });

    /// <summary>The cause's reason as the real server derives it from the kind of problem (field.ErrorType).</summary>
    private static string CauseReason(string problem) =>
        problem.StartsWith("Forbidden", StringComparison.Ordinal) ? "FieldValueForbidden"
        : problem.StartsWith("Required value", StringComparison.Ordinal) ? "FieldValueRequired"
        : problem.StartsWith("Too long", StringComparison.Ordinal) ? "FieldValueTooLong"
        : "FieldValueInvalid";

    public static JsonObject StatusBody(int code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details.DeepClone();
        }

        status["code"] = code;
        return status;
    }

    public JsonObject ToStatus() => StatusBody(Code, Reason, Message, Details);
}
