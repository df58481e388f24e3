using System.Collections.Frozen;

namespace Consent.Api.Tablet;

/// <summary>
/// The words of the tablet's own screens, in every language a shipped workflow offers. The consent's content comes
/// from its workflow; these are the buttons, help and status messages around it, kept as plain as the content.
/// </summary>
public static class TabletText
{
    public const string Fallback = "en";

    /// <summary>Each language's own name, as its speakers write it, for the language switch.</summary>
    public static readonly FrozenDictionary<string, string> LanguageNames = new Dictionary<string, string>
    {
        ["en"] = "English",
        ["es"] = "Español",
    }.ToFrozenDictionary();

    /// <summary>A language the tablet speaks, from a query or form value; anything else is the fallback.</summary>
    public static string Known(string? locale) => locale is not null && LanguageNames.ContainsKey(locale) ? locale : Fallback;

    public static string For(string locale, string key) =>
        Texts.TryGetValue(key, out var byLocale)
            ? byLocale.GetValueOrDefault(locale) ?? byLocale[Fallback]
            : throw new KeyNotFoundException($"No tablet text '{key}'.");

    public static string Format(string locale, string key, params object[] args) =>
        string.Format(System.Globalization.CultureInfo.GetCultureInfo(locale), For(locale, key), args);

    private static readonly FrozenDictionary<string, Dictionary<string, string>> Texts = new Dictionary<string, Dictionary<string, string>>
    {
        ["app.name"] = new() { ["en"] = "Your consent", ["es"] = "Su consentimiento" },
        ["skip"] = new() { ["en"] = "Skip to the main content", ["es"] = "Ir al contenido principal" },
        ["tools"] = new() { ["en"] = "Reading tools", ["es"] = "Ayudas para leer" },
        ["read.aloud"] = new() { ["en"] = "Read aloud", ["es"] = "Leer en voz alta" },
        ["read.stop"] = new() { ["en"] = "Stop reading", ["es"] = "Dejar de leer" },
        ["text.smaller"] = new() { ["en"] = "Smaller text", ["es"] = "Letra más pequeña" },
        ["text.larger"] = new() { ["en"] = "Larger text", ["es"] = "Letra más grande" },
        ["contrast"] = new() { ["en"] = "High contrast", ["es"] = "Alto contraste" },
        ["language"] = new() { ["en"] = "Language", ["es"] = "Idioma" },
        ["progress"] = new() { ["en"] = "{0}% done", ["es"] = "{0} % hecho" },
        ["progress.label"] = new() { ["en"] = "Your progress", ["es"] = "Su avance" },
        ["risk.counter"] = new() { ["en"] = "Risk {0} of {1}", ["es"] = "Riesgo {0} de {1}" },
        ["other.choices"] = new() { ["en"] = "Other choices", ["es"] = "Otras opciones" },
        ["back"] = new() { ["en"] = "Back", ["es"] = "Atrás" },
        ["back.to.current"] = new() { ["en"] = "Return to where I was", ["es"] = "Volver a donde estaba" },
        ["next.reread"] = new() { ["en"] = "Next", ["es"] = "Siguiente" },
        ["reviewing"] = new() { ["en"] = "You are rereading an earlier part. Your answers stay as they are.", ["es"] = "Está volviendo a leer una parte anterior. Sus respuestas no cambian." },
        ["your.answer"] = new() { ["en"] = "Your answer", ["es"] = "Su respuesta" },
        ["question"] = new() { ["en"] = "I have a question", ["es"] = "Tengo una pregunta" },
        ["stop"] = new() { ["en"] = "I do not want to go on", ["es"] = "No quiero seguir" },
        ["explain.submit"] = new() { ["en"] = "I have read this", ["es"] = "Ya lo leí" },
        ["risk.initials"] = new() { ["en"] = "Type your initials to show you understand this risk", ["es"] = "Escriba sus iniciales para mostrar que entiende este riesgo" },
        ["risk.initials.hint"] = new() { ["en"] = "For example: JD", ["es"] = "Por ejemplo: JD" },
        ["risk.submit"] = new() { ["en"] = "I understand this risk", ["es"] = "Entiendo este riesgo" },
        ["quiz.legend"] = new() { ["en"] = "Choose the answer you think is right", ["es"] = "Elija la respuesta que crea correcta" },
        ["quiz.submit"] = new() { ["en"] = "Check my answer", ["es"] = "Revisar mi respuesta" },
        ["quiz.wrong.title"] = new() { ["en"] = "Not quite, and that is fine.", ["es"] = "No es del todo así, y no pasa nada." },
        ["quiz.wrong"] = new() { ["en"] = "This part is worth reading once more. The question will come back right after it.", ["es"] = "Vale la pena leer esta parte otra vez. La pregunta volverá justo después." },
        ["quiz.right"] = new() { ["en"] = "That is right. Well done.", ["es"] = "Es correcto. Muy bien." },
        ["choice.legend"] = new() { ["en"] = "Choose one", ["es"] = "Elija una opción" },
        ["choice.submit"] = new() { ["en"] = "Continue", ["es"] = "Continuar" },
        ["provision.yes"] = new() { ["en"] = "Yes, I allow this", ["es"] = "Sí, lo permito" },
        ["provision.no"] = new() { ["en"] = "No, I do not allow this", ["es"] = "No, no lo permito" },
        ["provision.note"] = new() { ["en"] = "Either answer is fine. It does not change your care.", ["es"] = "Cualquier respuesta está bien. No cambia su atención." },
        ["decision.yes"] = new() { ["en"] = "Yes, I want this treatment", ["es"] = "Sí, quiero este tratamiento" },
        ["decision.no"] = new() { ["en"] = "No, I do not want it", ["es"] = "No, no lo quiero" },
        ["answer.yes"] = new() { ["en"] = "Yes", ["es"] = "Sí" },
        ["answer.no"] = new() { ["en"] = "No", ["es"] = "No" },
        ["answer.read"] = new() { ["en"] = "Read", ["es"] = "Leído" },
        ["signature.statement"] = new() { ["en"] = "What you are signing", ["es"] = "Lo que usted firma" },
        ["signature.who"] = new() { ["en"] = "Who is signing?", ["es"] = "¿Quién firma?" },
        ["signature.patient"] = new() { ["en"] = "I am the patient", ["es"] = "Soy el paciente" },
        ["signature.representative"] = new() { ["en"] = "I am {0}, the patient's {1}, signing as their legal representative", ["es"] = "Soy {0}, {1} del paciente, y firmo como su representante legal" },
        ["signature.name"] = new() { ["en"] = "Type your full name", ["es"] = "Escriba su nombre completo" },
        ["signature.draw"] = new() { ["en"] = "Sign with your finger in the box below", ["es"] = "Firme con el dedo en el recuadro de abajo" },
        ["signature.canvas"] = new() { ["en"] = "Signature box", ["es"] = "Recuadro para la firma" },
        ["signature.clear"] = new() { ["en"] = "Clear the signature", ["es"] = "Borrar la firma" },
        ["signature.typed"] = new() { ["en"] = "Use my typed name as my signature", ["es"] = "Usar mi nombre escrito como firma" },
        ["signature.intent"] = new() { ["en"] = "I mean this to be my signature, and I agree to what is written above.", ["es"] = "Quiero que esta sea mi firma, y estoy de acuerdo con lo que dice arriba." },
        ["signature.submit"] = new() { ["en"] = "Sign", ["es"] = "Firmar" },
        ["signature.empty"] = new() { ["en"] = "Please sign in the box, or use your typed name as your signature.", ["es"] = "Firme en el recuadro, o use su nombre escrito como firma." },
        ["signature.noscript"] = new() { ["en"] = "Signing needs JavaScript. Please ask a member of staff for help.", ["es"] = "Para firmar hace falta JavaScript. Pida ayuda al personal." },
        ["ask.title"] = new() { ["en"] = "Ask to talk with someone", ["es"] = "Pedir hablar con alguien" },
        ["ask.intro"] = new() { ["en"] = "A member of the care team will come to talk with you. Nothing you have done so far is lost.", ["es"] = "Alguien del equipo de atención vendrá a hablar con usted. No se pierde nada de lo que ya hizo." },
        ["ask.text"] = new() { ["en"] = "What would you like to ask? You may leave this empty.", ["es"] = "¿Qué le gustaría preguntar? Puede dejarlo en blanco." },
        ["ask.submit"] = new() { ["en"] = "Ask someone to come", ["es"] = "Pedir que venga alguien" },
        ["ask.cancel"] = new() { ["en"] = "Go back without asking", ["es"] = "Volver sin preguntar" },
        ["ask.default"] = new() { ["en"] = "The patient asked to talk with someone.", ["es"] = "El paciente pidió hablar con alguien." },
        ["waiting.title"] = new() { ["en"] = "Someone will come to talk with you", ["es"] = "Alguien vendrá a hablar con usted" },
        ["waiting.body"] = new() { ["en"] = "Please stay here. A member of the care team knows you have a question and will come to you. When you have talked, you can go on from where you stopped.", ["es"] = "Quédese aquí, por favor. El equipo de atención sabe que tiene una pregunta y vendrá a verle. Después de hablar, podrá seguir desde donde se quedó." },
        ["waiting.quiz"] = new() { ["en"] = "This question was hard to answer, and that is all right: these ideas are not simple. Someone will come and go through it with you.", ["es"] = "Esta pregunta fue difícil, y no pasa nada: estas ideas no son sencillas. Alguien vendrá a repasarla con usted." },
        ["signed.title"] = new() { ["en"] = "Thank you. You have signed.", ["es"] = "Gracias. Ya firmó." },
        ["signed.countersign"] = new() { ["en"] = "A doctor will now check your form and sign it too. You will get a copy.", ["es"] = "Ahora un médico revisará su formulario y también lo firmará. Usted recibirá una copia." },
        ["granted.title"] = new() { ["en"] = "Thank you. Your consent is complete.", ["es"] = "Gracias. Su consentimiento está completo." },
        ["granted.from"] = new() { ["en"] = "To give you time to think, the treatment cannot happen before {0}.", ["es"] = "Para que tenga tiempo de pensarlo, el tratamiento no puede hacerse antes del {0}." },
        ["granted.until"] = new() { ["en"] = "This consent is valid until {0}.", ["es"] = "Este consentimiento vale hasta el {0}." },
        ["change.mind"] = new() { ["en"] = "You can change your mind at any time before the treatment, and your usual care will go on.", ["es"] = "Puede cambiar de opinión en cualquier momento antes del tratamiento, y su atención de siempre seguirá." },
        ["copy.open"] = new() { ["en"] = "See my copy", ["es"] = "Ver mi copia" },
        ["finish"] = new() { ["en"] = "Finish and hand back the tablet", ["es"] = "Terminar y devolver la tableta" },
        ["withdraw.open"] = new() { ["en"] = "I have changed my mind", ["es"] = "Cambié de opinión" },
        ["withdraw.title"] = new() { ["en"] = "Withdraw your consent", ["es"] = "Retirar su consentimiento" },
        ["withdraw.intro"] = new() { ["en"] = "If you withdraw, the treatment will not take place. Your usual care goes on. You do not have to give a reason, but it helps us to know.", ["es"] = "Si retira su consentimiento, el tratamiento no se hará. Su atención de siempre sigue. No tiene que dar un motivo, pero nos ayuda saberlo." },
        ["withdraw.reason"] = new() { ["en"] = "Why are you withdrawing?", ["es"] = "¿Por qué lo retira?" },
        ["withdraw.changed_mind"] = new() { ["en"] = "I changed my mind", ["es"] = "Cambié de opinión" },
        ["withdraw.want_more_time"] = new() { ["en"] = "I want more time to think", ["es"] = "Quiero más tiempo para pensarlo" },
        ["withdraw.other_treatment"] = new() { ["en"] = "I want a different treatment", ["es"] = "Quiero otro tratamiento" },
        ["withdraw.patient_request"] = new() { ["en"] = "I would rather not say", ["es"] = "Prefiero no decirlo" },
        ["withdraw.submit"] = new() { ["en"] = "Withdraw my consent", ["es"] = "Retirar mi consentimiento" },
        ["withdraw.cancel"] = new() { ["en"] = "Keep my consent", ["es"] = "Mantener mi consentimiento" },
        ["paused.title"] = new() { ["en"] = "Paused to protect your privacy", ["es"] = "En pausa para proteger su privacidad" },
        ["paused.body"] = new() { ["en"] = "The screen was hidden because nobody touched it for a while.", ["es"] = "La pantalla se ocultó porque nadie la tocó durante un rato." },
        ["paused.resume"] = new() { ["en"] = "Tap here to go on", ["es"] = "Toque aquí para seguir" },
        ["idle.warning"] = new() { ["en"] = "Still reading? To protect your privacy this screen will be hidden soon.", ["es"] = "¿Sigue leyendo? Para proteger su privacidad, esta pantalla se ocultará pronto." },
        ["idle.keep"] = new() { ["en"] = "Keep reading", ["es"] = "Seguir leyendo" },
        ["ended.title"] = new() { ["en"] = "This tablet session has ended", ["es"] = "Esta sesión de la tableta terminó" },
        ["ended.body"] = new() { ["en"] = "Please hand the tablet back to the clinic staff. If you were not finished, they can start it again for you.", ["es"] = "Devuelva la tableta al personal de la clínica. Si no había terminado, pueden volver a abrirla para usted." },
        ["ended.finished"] = new() { ["en"] = "Please hand the tablet back to the clinic staff.", ["es"] = "Devuelva la tableta al personal de la clínica." },
        ["ended.thanks"] = new() { ["en"] = "Thank you", ["es"] = "Gracias" },
        ["ended.recorded"] = new() { ["en"] = "Your decision is recorded", ["es"] = "Su decisión quedó registrada" },
        ["ended.declined"] = new() { ["en"] = "You chose not to have this treatment. Nothing more will be done about it, and your usual care goes on. Thank you for taking the time to read.", ["es"] = "Usted decidió no recibir este tratamiento. No se hará nada más al respecto, y su atención de siempre sigue. Gracias por tomarse el tiempo de leer." },
        ["ended.withdrawn"] = new() { ["en"] = "Your consent is withdrawn. The treatment will not take place, and your usual care goes on.", ["es"] = "Su consentimiento fue retirado. El tratamiento no se hará, y su atención de siempre sigue." },
        ["opening"] = new() { ["en"] = "Opening your consent form…", ["es"] = "Abriendo su formulario…" },
        ["open.failed"] = new() { ["en"] = "This link cannot be opened here. It may have ended, or it is already open on another tablet. Please ask the clinic staff for a new one.", ["es"] = "Este enlace no se puede abrir aquí. Puede que haya terminado, o ya está abierto en otra tableta. Pida uno nuevo al personal de la clínica." },
        ["code.intro"] = new() { ["en"] = "Type the code the clinic staff gave you.", ["es"] = "Escriba el código que le dio el personal de la clínica." },
        ["code.label"] = new() { ["en"] = "Code", ["es"] = "Código" },
        ["code.hint"] = new() { ["en"] = "8 letters and numbers, for example KD4M-7QXT", ["es"] = "8 letras y números, por ejemplo KD4M-7QXT" },
        ["code.submit"] = new() { ["en"] = "Open my consent form", ["es"] = "Abrir mi formulario" },
        ["noscript"] = new() { ["en"] = "This page needs JavaScript to open. Please ask a member of staff for help.", ["es"] = "Esta página necesita JavaScript para abrirse. Pida ayuda al personal." },
        ["copy.title"] = new() { ["en"] = "Your copy of this consent", ["es"] = "Su copia de este consentimiento" },
        ["copy.print"] = new() { ["en"] = "Print or save", ["es"] = "Imprimir o guardar" },
        ["copy.pdf"] = new() { ["en"] = "Signed copy (PDF)", ["es"] = "Copia firmada (PDF)" },
        ["copy.back"] = new() { ["en"] = "Back", ["es"] = "Volver" },
        ["copy.signed.by"] = new() { ["en"] = "Signed by {0} ({1}) on {2}", ["es"] = "Firmado por {0} ({1}) el {2}" },
        ["copy.countersigned"] = new() { ["en"] = "Countersigned by {0}", ["es"] = "Firmado también por {0}" },
        ["copy.signature"] = new() { ["en"] = "Signature of {0}", ["es"] = "Firma de {0}" },
        ["copy.reference"] = new() { ["en"] = "Form {0}, version {1}. Reference {2}.", ["es"] = "Formulario {0}, versión {1}. Referencia {2}." },
        ["role.patient"] = new() { ["en"] = "patient", ["es"] = "paciente" },
        ["role.representative"] = new() { ["en"] = "legal representative", ["es"] = "representante legal" },
        ["role.witness"] = new() { ["en"] = "witness", ["es"] = "testigo" },
        ["error.title"] = new() { ["en"] = "Please check this", ["es"] = "Revise esto, por favor" },
        ["error.initials"] = new() { ["en"] = "Type your initials: 1 to 5 letters, for example JD.", ["es"] = "Escriba sus iniciales: de 1 a 5 letras, por ejemplo JD." },
        ["error.answer"] = new() { ["en"] = "Please choose one answer.", ["es"] = "Elija una respuesta, por favor." },
        ["error.option"] = new() { ["en"] = "Please choose one option.", ["es"] = "Elija una opción, por favor." },
        ["error.signerName"] = new() { ["en"] = "Please type your full name.", ["es"] = "Escriba su nombre completo, por favor." },
        ["error.signerRole"] = new() { ["en"] = "Please say who is signing.", ["es"] = "Indique quién firma, por favor." },
        ["error.signatureImage"] = new() { ["en"] = "Please sign in the box, or use your typed name as your signature.", ["es"] = "Firme en el recuadro, o use su nombre escrito como firma." },
        ["error.intent"] = new() { ["en"] = "Please tick the box to show you mean to sign.", ["es"] = "Marque la casilla para mostrar que quiere firmar." },
        ["error.text"] = new() { ["en"] = "Your question is too long. Please keep it shorter; you can say the rest in person.", ["es"] = "Su pregunta es demasiado larga. Acórtela; puede decir el resto en persona." },
        ["error.reason"] = new() { ["en"] = "Please choose a reason.", ["es"] = "Elija un motivo, por favor." },
        ["error.other"] = new() { ["en"] = "That did not work. Please try again, or ask a member of staff.", ["es"] = "Eso no funcionó. Inténtelo otra vez o pida ayuda al personal." },
    }.ToFrozenDictionary();

    /// <summary>The friendly message for a field the runtime refused.</summary>
    public static string ErrorFor(string locale, string field) =>
        Texts.ContainsKey("error." + field) ? For(locale, "error." + field) : For(locale, "error.other");

    /// <summary>Withdrawal reasons a patient may pick: codes only, because reasons are published to other systems.</summary>
    public static readonly IReadOnlyList<string> WithdrawalReasons = ["changed_mind", "want_more_time", "other_treatment", "patient_request"];
}
