using System.Globalization;
using MimeKit;

namespace Consent.Api.Dashboard.Email;

/// <summary>
/// The e-mail for one alert. It says which clinic, what happened and when (the clinic's local time, zone shown) and
/// links the consent on the dashboard by its random id. It never names the patient, their id or what they asked:
/// mail leaves the service's control, so the words are behind the dashboard's sign-in.
/// </summary>
public static class StaffEmailMessage
{
    public static MimeMessage Compose(StaffAlert alert, ClinicMailbox mailbox, string clinicName, TimeZoneInfo zone, DateTimeOffset at, string dashboardBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(mailbox);
        var (subject, happened) = Words(alert.Kind);
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var when = $"{local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} {Offset(local.Offset)} ({zone.Id})";
        var link = $"{dashboardBaseUrl.TrimEnd('/')}/dashboard/consents/{Uri.EscapeDataString(alert.ConsentId)}";

        var message = new MimeMessage { Subject = $"{clinicName}: {subject}" };
        message.From.Add(MailboxAddress.Parse(mailbox.From));
        foreach (var to in mailbox.To) message.To.Add(MailboxAddress.Parse(to));
        message.Body = new TextPart("plain")
        {
            Text = string.Join("\r\n",
                happened,
                "",
                $"Clinic: {clinicName}",
                $"When: {when}",
                $"Open it on the dashboard: {link}",
                "",
                "This message names no patient on purpose: sign in to the dashboard to see who is waiting and why."),
        };
        return message;
    }

    private static (string Subject, string Happened) Words(string kind) => kind switch
    {
        "question" => ("a patient has a question", "A patient at a tablet has a question and is waiting for someone to talk to."),
        "identity" => ("a tablet was stopped: \"this is not me\"", "Someone at a tablet said the consent shown is not theirs. The tablet link has ended; the consent waits for staff."),
        _ => ("someone at a tablet is waiting", "Someone at a tablet is waiting for staff."),
    };

    private static string Offset(TimeSpan offset)
    {
        if (offset == TimeSpan.Zero) return "UTC";
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        var abs = offset.Duration();
        return abs.Minutes == 0
            ? $"UTC{sign}{abs.Hours.ToString(CultureInfo.InvariantCulture)}"
            : $"UTC{sign}{abs.Hours.ToString(CultureInfo.InvariantCulture)}:{abs.Minutes.ToString("00", CultureInfo.InvariantCulture)}";
    }
}
