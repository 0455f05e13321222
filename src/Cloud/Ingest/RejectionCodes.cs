using System.Text;
using EdgeSentinel.Protocol;

namespace EdgeSentinel.Cloud.Ingest;

/// <summary>Reason codes of rejected messages as stored and exported: the Protocol's reasons in kebab case, plus the aggregator's own.</summary>
public static class RejectionCodes
{
    /// <summary>A message tried to update an alert id that belongs to another device.</summary>
    public const string AlertIdConflict = "alert-id-conflict";

    /// <summary>The code of a Protocol rejection reason, e.g. <c>BadSignature</c> → "bad-signature".</summary>
    public static string Of(RejectionReason reason)
    {
        var name = reason.ToString();
        var code = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                code.Append('-');
            }

            code.Append(char.ToLowerInvariant(name[i]));
        }

        return code.ToString();
    }
}
