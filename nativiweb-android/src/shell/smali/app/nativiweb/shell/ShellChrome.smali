# The WebView's chrome client: default JavaScript dialogs, plus <input type="file">, which
# WebView only supports when the app opens a picker itself, and the camera, microphone and
# location permissions of web APIs (decided by Permissions).
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

# getUserMedia (camera, microphone), protected media ids, MIDI sysex: see Permissions.onMedia.
.method public onPermissionRequest(Landroid/webkit/PermissionRequest;)V
    .registers 3
    iget-object v0, p0, Lapp/nativiweb/shell/ShellChrome;->activity:Lapp/nativiweb/shell/MainActivity;
    iget-object v0, v0, Lapp/nativiweb/shell/MainActivity;->permissions:Lapp/nativiweb/shell/Permissions;
    invoke-virtual {v0, p1}, Lapp/nativiweb/shell/Permissions;->onMedia(Landroid/webkit/PermissionRequest;)V
    return-void
.end method

.method public onPermissionRequestCanceled(Landroid/webkit/PermissionRequest;)V
    .registers 3
    iget-object v0, p0, Lapp/nativiweb/shell/ShellChrome;->activity:Lapp/nativiweb/shell/MainActivity;
    iget-object v0, v0, Lapp/nativiweb/shell/MainActivity;->permissions:Lapp/nativiweb/shell/Permissions;
    invoke-virtual {v0, p1}, Lapp/nativiweb/shell/Permissions;->mediaCanceled(Landroid/webkit/PermissionRequest;)V
    return-void
.end method

# navigator.geolocation: see Permissions.onLocation.
.method public onGeolocationPermissionsShowPrompt(Ljava/lang/String;Landroid/webkit/GeolocationPermissions$Callback;)V
    .registers 4
    iget-object v0, p0, Lapp/nativiweb/shell/ShellChrome;->activity:Lapp/nativiweb/shell/MainActivity;
    iget-object v0, v0, Lapp/nativiweb/shell/MainActivity;->permissions:Lapp/nativiweb/shell/Permissions;
    invoke-virtual {v0, p1, p2}, Lapp/nativiweb/shell/Permissions;->onLocation(Ljava/lang/String;Landroid/webkit/GeolocationPermissions$Callback;)V
    return-void
.end method

.method public onGeolocationPermissionsHidePrompt()V
    .registers 2
    iget-object v0, p0, Lapp/nativiweb/shell/ShellChrome;->activity:Lapp/nativiweb/shell/MainActivity;
    iget-object v0, v0, Lapp/nativiweb/shell/MainActivity;->permissions:Lapp/nativiweb/shell/Permissions;
    invoke-virtual {v0}, Lapp/nativiweb/shell/Permissions;->locationHidden()V
    return-void
.end method
