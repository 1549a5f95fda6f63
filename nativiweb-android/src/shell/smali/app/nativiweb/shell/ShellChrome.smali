# The WebView's chrome client: default JavaScript dialogs, plus <input type="file">, which
# WebView only supports when the app opens a picker itself.
.class public Lapp/nativiweb/shell/ShellChrome;
.super Landroid/webkit/WebChromeClient;
.source "ShellChrome.smali"

.field private final activity:Lapp/nativiweb/shell/MainActivity;

.method public constructor <init>(Lapp/nativiweb/shell/MainActivity;)V
    .registers 2
    invoke-direct {p0}, Landroid/webkit/WebChromeClient;-><init>()V
    iput-object p1, p0, Lapp/nativiweb/shell/ShellChrome;->activity:Lapp/nativiweb/shell/MainActivity;
    return-void
.end method

.method public onShowFileChooser(Landroid/webkit/WebView;Landroid/webkit/ValueCallback;Landroid/webkit/WebChromeClient$FileChooserParams;)Z
    .registers 6
    iget-object v0, p0, Lapp/nativiweb/shell/ShellChrome;->activity:Lapp/nativiweb/shell/MainActivity;
    invoke-virtual {v0, p2, p3}, Lapp/nativiweb/shell/MainActivity;->chooseFile(Landroid/webkit/ValueCallback;Landroid/webkit/WebChromeClient$FileChooserParams;)Z
    move-result v1
    return v1
.end method
